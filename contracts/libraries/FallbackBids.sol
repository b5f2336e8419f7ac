// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../IComputeMarket.sol";

// Largest fallback depth a market may be configured with; sizes each task's storage array.
// A file-level constant: Solidity accepts it as an array length, a library constant it does not.
uint8 constant MAX_FALLBACK_DEPTH = 8;

/// @title FallbackBids
/// @notice A task's best bids, kept sorted by price in a fixed-size storage array, so that storage
/// per task stays bounded however many providers bid. Ties keep the earlier bid first.
library FallbackBids {
    /// @notice Insert `bid` into the first `count` sorted entries of `list`, keeping at most `depth`.
    /// @return newCount The number of entries kept after the insertion.
    /// @return kept Whether the bid is among the kept entries.
    function insert(
        IComputeMarket.Bid[MAX_FALLBACK_DEPTH] storage list,
        uint8 count,
        uint8 depth,
        IComputeMarket.Bid memory bid
    ) internal returns (uint8 newCount, bool kept) {
        // Find the first entry strictly more expensive: an equal price keeps its earlier place.
        uint8 pos = 0;
        while (pos < count && list[pos].price <= bid.price) {
            ++pos;
        }
        if (pos >= depth) {
            return (count, false);
        }
        // Shift the tail down one place, dropping the last entry when the list is full.
        uint8 last = count < depth ? count : depth - 1;
        for (uint8 i = last; i > pos; --i) {
            list[i] = list[i - 1];
        }
        list[pos] = bid;
        newCount = count < depth ? count + 1 : depth;
        kept = true;
    }
}
