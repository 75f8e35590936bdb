import BotrunKit
import Foundation

// Everything testable lives in BotrunKit/CLI; this file only hands over the process.
let arguments = Array(CommandLine.arguments.dropFirst())
let environment = BotrunOptionParser.Environment.process
// The token is read once; removing it from the environment keeps it out of reach of
// scripts run with --unsafe (os.getenv) and of any child process.
unsetenv(BotrunOptionParser.tokenVariable)
exit(BotrunMain.main(arguments: arguments, environment: environment))
