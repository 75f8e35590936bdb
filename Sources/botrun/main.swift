import BotrunKit
import Foundation

print("botrun \(BotrunVersion.string)")
