import BotrunKit
import Foundation

// Everything testable lives in BotrunKit/CLI; this file only hands over the process.
exit(BotrunMain.main(arguments: Array(CommandLine.arguments.dropFirst())))
