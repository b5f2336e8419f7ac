// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Largest fallback depth a market may be configured with.
uint8 constant MAX_FALLBACK_DEPTH = 8;
// Storage slots of a task's fallback list: two bids a slot. A file-level constant: Solidity accepts
// it as an array length, a library constant it does not.
uint256 constant FALLBACK_SLOTS = 4;

/// @title FallbackBids
/// @notice A task's best bids, kept sorted by price in a fixed-size storage array, so that storage
/// per task stays bounded however many providers bid. Ties keep the earlier bid first.
/// @dev A bid is 15 bytes: (uint32 providerId << 88) | uint88 price. A slot holds two, the bid at an
/// even index in bits [0, 120) and the next one in bits [120, 240), and a 2-byte tail in bits
/// [240, 256): a nonzero marker (bit 248) and, in slot 0, the number of bids kept (bits [240, 248)).
/// The marker lets `init` write each slot when the task is posted, so that a bid changes a nonzero
/// slot (2,900 gas) instead of filling a zero one (20,000). The count sits with the bids, in the slot
/// the cheapest bids use, so that a bid written into slot 0 updates it at no extra write. Once the
/// list is full the owner records that elsewhere (the task's Auction word), and the stored count is
/// left as it is unless slot 0 is written anyway: `count` is only meaningful while the list is not
/// full. Entries at or beyond the count are stale and never read.
library FallbackBids {
    uint256 private constant _ENTRY_BITS = 120;
    uint256 private constant _ENTRY_MASK = 0xffffffffffffffffffffffffffffff;
    uint256 private constant _PRICE_BITS = 88;
    uint256 private constant _PRICE_MASK = 0xffffffffffffffffffffff;
    uint256 private constant _COUNT_SHIFT = 240;
    uint256 private constant _COUNT_MASK = 0xff << 240;
    uint256 private constant _MARKER = 1 << 248;

    /// @notice Writes the marker into the slots a list of `depth` bids uses: an empty list.
    function init(uint256[FALLBACK_SLOTS] storage list, uint256 depth) internal {
        uint256 slots = (depth + 1) >> 1;
        for (uint256 s = 0; s < slots; ++s) {
            list[s] = _MARKER;
        }
    }

    /// @notice The number of bids kept, while the list is not full.
    function count(uint256[FALLBACK_SLOTS] storage list) internal view returns (uint256) {
        return (list[0] & _COUNT_MASK) >> _COUNT_SHIFT;
    }

    /// @notice Empties the list (for a new round; the owner clears its full flag); the stale bids stay, unread.
    function clear(uint256[FALLBACK_SLOTS] storage list) internal {
        uint256 head = list[0];
        if (head & _COUNT_MASK != 0) list[0] = head & ~_COUNT_MASK;
    }

    /// @notice The bid at index `i`: its provider's id and its price.
    function at(uint256[FALLBACK_SLOTS] storage list, uint256 i)
        internal
        view
        returns (uint256 providerId, uint256 price)
    {
        uint256 bid = _get(list, i);
        return (bid >> _PRICE_BITS, bid & _PRICE_MASK);
    }

    /// @notice The price of the bid at index `i`.
    function priceAt(uint256[FALLBACK_SLOTS] storage list, uint256 i) internal view returns (uint256) {
        return _get(list, i) & _PRICE_MASK;
    }

    /// @notice Insert a bid into the sorted list, keeping at most `depth` entries. The caller has
    /// established that it is kept: the list is not full, or `price` is below the price of its last
    /// entry. Each slot is read at most once and written at most once; the count rides along with
    /// slot 0 when that slot changes anyway, and is not written when the list becomes full.
    /// @param full Whether the list holds `depth` entries (its count is then not read).
    /// @param providerId Nonzero, at most 2^32 - 1.
    /// @param price Nonzero, at most 2^88 - 1.
    /// @return newCount The number of entries kept after the insertion.
    /// @return lastPrice The price of the entry at `newCount - 1` after the insertion.
    function insert(uint256[FALLBACK_SLOTS] storage list, bool full, uint256 depth, uint256 providerId, uint256 price)
        internal
        returns (uint256 newCount, uint256 lastPrice)
    {
        // Indices and counts are below depth <= 8: no arithmetic here can overflow.
        unchecked {
            uint256 head; // slot 0, read at once unless the list is full
            uint256 n = depth;
            if (!full) {
                head = list[0];
                n = (head & _COUNT_MASK) >> _COUNT_SHIFT;
            }
            newCount = n < depth ? n + 1 : depth;
            lastPrice = price;
            // From the back: move each entry strictly more expensive one place down (the last of a
            // full list falls off), and put the bid after the first one that is not (ties keep their
            // place). `word` is slot `s`, the slot of index i, with its pending changes.
            uint256 i = newCount - 1;
            uint256 s = i >> 1;
            uint256 word = s == 0 && !full ? head : list[s];
            while (i > 0) {
                // index i - 1 is in this slot when i is odd, in the slot below when i is even
                uint256 below = i & 1 == 1 ? word : (s == 1 && !full ? head : list[s - 1]);
                uint256 prev = (below >> (((i - 1) & 1) * _ENTRY_BITS)) & _ENTRY_MASK;
                if (prev & _PRICE_MASK <= price) break;
                if (i == newCount - 1) lastPrice = prev & _PRICE_MASK;
                word = _put(word, i, prev);
                if (i & 1 == 0) {
                    list[s] = word;
                    --s;
                    word = below;
                }
                --i;
            }
            word = _put(word, i, (providerId << _PRICE_BITS) | price);
            if (newCount != n) {
                // n < depth, so the list was not full and head is slot 0 as read
                if (s == 0) word = _withCount(word, newCount);
                else if (newCount < depth) list[0] = _withCount(head, newCount);
            }
            list[s] = word;
        }
    }

    function _get(uint256[FALLBACK_SLOTS] storage list, uint256 i) private view returns (uint256) {
        unchecked {
            return (list[i >> 1] >> ((i & 1) * _ENTRY_BITS)) & _ENTRY_MASK;
        }
    }

    /// @dev `word` with the half that holds index `i` replaced by `bid`.
    function _put(uint256 word, uint256 i, uint256 bid) private pure returns (uint256) {
        unchecked {
            uint256 shift = (i & 1) * _ENTRY_BITS;
            return (word & ~(_ENTRY_MASK << shift)) | (bid << shift);
        }
    }

    function _withCount(uint256 word, uint256 n) private pure returns (uint256) {
        return (word & ~_COUNT_MASK) | (n << _COUNT_SHIFT);
    }
}
