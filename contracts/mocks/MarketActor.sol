// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MarketActor
/// @notice Test helper: a contract account that acts in the market (registers, posts, bids, submits,
/// withdraws) through `act`, so tests can give a poster or a provider hostile receive() behaviour.
contract MarketActor {
    /// @notice Thrown when a forwarded call reverts; carries the callee's revert data unchanged.
    /// @param data The revert data.
    error ActionFailed(bytes data);

    address public immutable MARKET;

    constructor(address market_) {
        MARKET = market_;
    }

    /// @notice Call the market with `data`, forwarding msg.value; bubbles the market's revert data.
    function act(bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = MARKET.call{value: msg.value}(data);
        if (!ok) {
            // Re-throw the market's own custom error so tests can match it exactly.
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
