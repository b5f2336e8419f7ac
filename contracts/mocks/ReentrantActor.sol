// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketActor} from "./MarketActor.sol";

/// @title ReentrantActor
/// @notice Attack mock: when paid, calls back into the market with a stored payload (withdraw,
/// submitResult, reroute, ...) once, and records whether that re-entry succeeded.
contract ReentrantActor is MarketActor {
    bytes public attackPayload;
    bool public attackAttempted;
    bool public attackSucceeded;
    bytes public attackRevertData;

    constructor(address market_) MarketActor(market_) {}

    /// @notice Set the call to make from receive(); empty disables the attack.
    function setAttack(bytes calldata payload) external {
        attackPayload = payload;
        attackAttempted = false;
        attackSucceeded = false;
        delete attackRevertData;
    }

    // The attack lives in receive(): that is where a payee gets control.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (attackPayload.length == 0 || attackAttempted) return;
        attackAttempted = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = MARKET.call(attackPayload);
        attackSucceeded = ok;
        if (!ok) attackRevertData = ret;
    }
}
