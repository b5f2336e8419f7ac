// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../IComputeMarket.sol";

/// @notice A task's auction slot: everything a bid must check, in one 32-byte word, so that a bid that
/// the fallback list does not keep reads this slot of its task and no other.
/// @dev Bit layout, from the least significant bit:
///   [  0,  88) maxPrice        escrow and highest accepted bid (prices fit 88 bits)
///   [ 88, 128) bidWindowEnd    bids are accepted while block.timestamp < bidWindowEnd
///   [128, 216) cutoff          while the list is full: the price of its last bid, which a bid must beat
///   [216, 224) status          IComputeMarket.TaskStatus
///   [224, 232) round
///   [232, 240) flags           bit 0: the task has a region; bit 1: an assignment of it has failed;
///                              bit 2: the fallback list holds fallbackDepth bids (full)
///   [240, 248) mechanism       IComputeMarket.Mechanism
///   [248, 256) unused
/// A posted task's word is never zero (its status is not None), so TaskStatus.None marks an unknown id.
/// The number of bids kept is stored with the bids (FallbackBids) while the list is not full; once
/// it is full, the flag says so and the stored count is not read.
type Auction is uint256;

using TaskAuction for Auction global;

/// @title TaskAuction
/// @notice Reads and updates the fields of an Auction word.
library TaskAuction {
    uint256 private constant _PRICE_MASK = 0xffffffffffffffffffffff;
    uint256 private constant _WINDOW_SHIFT = 88;
    uint256 private constant _WINDOW_MASK = 0xffffffffff;
    uint256 private constant _CUTOFF_SHIFT = 128;
    uint256 private constant _STATUS_SHIFT = 216;
    uint256 private constant _ROUND_SHIFT = 224;
    uint256 private constant _BYTE = 0xff;
    uint256 private constant _OPEN = uint256(uint8(IComputeMarket.TaskStatus.Open)) << _STATUS_SHIFT;
    uint256 private constant _REGIONAL = 1 << 232;
    uint256 private constant _REROUTED = 1 << 233;
    uint256 private constant _FULL = 1 << 234;
    uint256 private constant _MECHANISM_SHIFT = 240;

    /// @notice The word of a task just posted: Open, round 0, no bids.
    /// @param escrow The maximum price, at most 2^88 - 1 (the caller checks).
    /// @param windowEnd End of the first bid window.
    /// @param rule The auction's mechanism.
    /// @param hasRegion Whether the task requires a region.
    function posted(uint256 escrow, uint40 windowEnd, IComputeMarket.Mechanism rule, bool hasRegion)
        internal
        pure
        returns (Auction)
    {
        uint256 word = escrow | (uint256(windowEnd) << _WINDOW_SHIFT)
            | (uint256(IComputeMarket.TaskStatus.Open) << _STATUS_SHIFT) | (uint256(rule) << _MECHANISM_SHIFT);
        if (hasRegion) word |= _REGIONAL;
        return Auction.wrap(word);
    }

    function maxPrice(Auction a) internal pure returns (uint96) {
        return uint96(Auction.unwrap(a) & _PRICE_MASK);
    }

    function bidWindowEnd(Auction a) internal pure returns (uint40) {
        return uint40((Auction.unwrap(a) >> _WINDOW_SHIFT) & _WINDOW_MASK);
    }

    function cutoff(Auction a) internal pure returns (uint256) {
        return (Auction.unwrap(a) >> _CUTOFF_SHIFT) & _PRICE_MASK;
    }

    function hasStatus(Auction a, IComputeMarket.TaskStatus expected) internal pure returns (bool) {
        return (Auction.unwrap(a) >> _STATUS_SHIFT) & _BYTE == uint256(expected);
    }

    /// @notice hasStatus(Open), as one mask and compare.
    function isOpen(Auction a) internal pure returns (bool) {
        return Auction.unwrap(a) & (_BYTE << _STATUS_SHIFT) == _OPEN;
    }

    function status(Auction a) internal pure returns (IComputeMarket.TaskStatus) {
        return IComputeMarket.TaskStatus((Auction.unwrap(a) >> _STATUS_SHIFT) & _BYTE);
    }

    function round(Auction a) internal pure returns (uint8) {
        return uint8(Auction.unwrap(a) >> _ROUND_SHIFT);
    }


    function regional(Auction a) internal pure returns (bool) {
        return Auction.unwrap(a) & _REGIONAL != 0;
    }

    function rerouted(Auction a) internal pure returns (bool) {
        return Auction.unwrap(a) & _REROUTED != 0;
    }

    function full(Auction a) internal pure returns (bool) {
        return Auction.unwrap(a) & _FULL != 0;
    }

    function mechanism(Auction a) internal pure returns (IComputeMarket.Mechanism) {
        return IComputeMarket.Mechanism((Auction.unwrap(a) >> _MECHANISM_SHIFT) & _BYTE);
    }

    function withCutoff(Auction a, uint256 value) internal pure returns (Auction) {
        return _with(a, _CUTOFF_SHIFT, _PRICE_MASK, value);
    }

    function withStatus(Auction a, IComputeMarket.TaskStatus value) internal pure returns (Auction) {
        return _with(a, _STATUS_SHIFT, _BYTE, uint256(value));
    }

    /// @notice The list became full; `last` is the price of its last bid.
    function withFull(Auction a, uint256 last) internal pure returns (Auction) {
        return Auction.wrap(Auction.unwrap(withCutoff(a, last)) | _FULL);
    }

    /// @notice The word of a task re-opened for round `newRound`: Open, a new window, an empty list.
    function reopened(Auction a, uint8 newRound, uint40 windowEnd) internal pure returns (Auction) {
        uint256 kept = Auction.unwrap(a) & (_PRICE_MASK | _REGIONAL | _REROUTED | (_BYTE << _MECHANISM_SHIFT));
        return Auction.wrap(
            kept | (uint256(windowEnd) << _WINDOW_SHIFT) | (uint256(IComputeMarket.TaskStatus.Open) << _STATUS_SHIFT)
                | (uint256(newRound) << _ROUND_SHIFT)
        );
    }

    function withRerouted(Auction a) internal pure returns (Auction) {
        return Auction.wrap(Auction.unwrap(a) | _REROUTED);
    }

    /// @dev Replaces the field at `shift` (`mask` wide) with `value`, which must fit the mask.
    function _with(Auction a, uint256 shift, uint256 mask, uint256 value) private pure returns (Auction) {
        return Auction.wrap((Auction.unwrap(a) & ~(mask << shift)) | (value << shift));
    }
}
