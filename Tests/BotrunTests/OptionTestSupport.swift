import Foundation
@testable import BotrunKit

/// A fake file system and environment for `BotrunOptionParser`.
func fakeEnvironment(variables: [String: String] = [:],
                     files: [String: String] = ["bot.lua": "", "other.lua": "", "ca.pem": "", "input.txt": ""])
    -> BotrunOptionParser.Environment {
    BotrunOptionParser.Environment(
        variables: variables,
        readFile: { path in
            guard let text = files[path] else { throw BotrunOptionParser.FileReadFailure(reason: "No such file or directory") }
            return text
        },
        isReadableFile: { files[$0] != nil })
}

let testToken = "MTAx.secret-token-value"

/// Parses with a token in the environment unless `variables` says otherwise.
func parse(_ arguments: [String], variables: [String: String] = ["DISCORD_TOKEN": testToken],
           files: [String: String]? = nil) throws(UsageError) -> BotrunCommand {
    let environment = files.map { fakeEnvironment(variables: variables, files: $0) } ?? fakeEnvironment(variables: variables)
    return try BotrunOptionParser(environment: environment).parse(arguments)
}

/// The options of a command line that must parse to `.run`.
func options(_ arguments: [String], variables: [String: String] = ["DISCORD_TOKEN": testToken],
             files: [String: String]? = nil) throws -> BotrunOptions {
    guard case .run(let options) = try parse(arguments, variables: variables, files: files) else {
        throw UsageError(option: nil, "expected a run command for \(arguments)")
    }
    return options
}

/// The usage error a command line must produce, or nil when it parsed.
func usageError(_ arguments: [String], variables: [String: String] = ["DISCORD_TOKEN": testToken],
                files: [String: String]? = nil) -> UsageError? {
    do {
        _ = try parse(arguments, variables: variables, files: files)
        return nil
    } catch {
        return error
    }
}
