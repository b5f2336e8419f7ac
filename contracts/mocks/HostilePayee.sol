// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketActor} from "./MarketActor.sol";

/// @title HostilePayee
/// @notice Attack mock: an account that refuses payment, by reverting or by burning all the gas
/// it is given. Its own withdrawals fail; nobody else's may be blocked by it.
contract HostilePayee is MarketActor {
    /// @notice Thrown by receive() in Revert mode.
    error PaymentRefused();

    enum Mode {
        Revert,
        BurnGas
    }

    Mode public mode;

    constructor(address market_, Mode mode_) MarketActor(market_) {
        mode = mode_;
    }

    // The attack lives in receive(): that is where a payee gets control.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == Mode.Revert) revert PaymentRefused();
        // Burn every unit of gas forwarded: an unbounded loop is the attack being tested.
        uint256 i = 0;
        while (true) {
            ++i;
        }
    }
}
