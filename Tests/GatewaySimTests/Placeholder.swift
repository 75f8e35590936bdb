import Testing
@testable import GatewaySim
