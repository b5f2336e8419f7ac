// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "./IComputeMarket.sol";
import {FallbackBids, MAX_FALLBACK_DEPTH} from "./libraries/FallbackBids.sol";

/// @title ComputeMarket
/// @notice The bidmesh market; see IComputeMarket for the rules, the states and the money flows.
/// @dev Every loop is bounded by a constant (the fallback depth) or by the caller's own calldata.
/// Ether leaves only through `_sendValue`, called last by withdraw and withdrawStake.
contract ComputeMarket is IComputeMarket {
    using FallbackBids for Bid[MAX_FALLBACK_DEPTH];

    uint16 private constant _BPS = 10_000;
    /// @dev Longest unbonding delay accepted: stake that cannot leave for over a year is a misconfiguration.
    uint32 private constant _MAX_UNBONDING_DELAY = 365 days;

    uint96 private immutable _MIN_STAKE;
    uint32 private immutable _UNBONDING_DELAY;
    uint16 private immutable _SLASH_BPS;
    uint16 private immutable _ABANDON_SLASH_BPS;
    uint8 private immutable _MAX_ROUNDS;
    uint8 private immutable _FALLBACK_DEPTH;

    /// @dev What the market knows of one provider on one task, packed in one slot.
    struct BidderState {
        uint8 lastRoundPlusOne; // 0: never bid; r + 1: last bid in round r
        bool failed; // missed a deadline or abandoned this task: may not bid on it again
    }

    /// @dev Reentrancy lock for the two functions that send ether; transient, so it costs no storage.
    bool private transient _sending;

    uint256 private _taskCount;
    uint128 private _totalEscrow;
    uint128 private _totalCredits;
    uint256 private _totalStaked;

    mapping(uint256 taskId => Task task) private _tasks;
    mapping(uint256 taskId => Bid[MAX_FALLBACK_DEPTH] bestBids) private _fallbacks;
    mapping(uint256 taskId => mapping(address provider => BidderState state)) private _bidders;
    mapping(address provider => Provider record) private _providers;
    mapping(address account => uint256 amount) private _credits;

    constructor(MarketConfig memory cfg) {
        if (cfg.minStake == 0) revert InvalidConfig(ConfigField.MinStake, cfg.minStake);
        if (cfg.unbondingDelay > _MAX_UNBONDING_DELAY) {
            revert InvalidConfig(ConfigField.UnbondingDelay, cfg.unbondingDelay);
        }
        if (cfg.slashBps > _BPS) revert InvalidConfig(ConfigField.SlashBps, cfg.slashBps);
        if (cfg.abandonSlashBps > cfg.slashBps) {
            revert InvalidConfig(ConfigField.AbandonSlashBps, cfg.abandonSlashBps);
        }
        if (cfg.maxRounds == 0) revert InvalidConfig(ConfigField.MaxRounds, cfg.maxRounds);
        if (cfg.fallbackDepth == 0 || cfg.fallbackDepth > MAX_FALLBACK_DEPTH) {
            revert InvalidConfig(ConfigField.FallbackDepth, cfg.fallbackDepth);
        }
        _MIN_STAKE = cfg.minStake;
        _UNBONDING_DELAY = cfg.unbondingDelay;
        _SLASH_BPS = cfg.slashBps;
        _ABANDON_SLASH_BPS = cfg.abandonSlashBps;
        _MAX_ROUNDS = cfg.maxRounds;
        _FALLBACK_DEPTH = cfg.fallbackDepth;
    }

    /// @dev Guards the functions that send ether. Their state changes already precede the transfer
    /// (checks-effects-interactions); the lock also refuses re-entry from the payee's receive().
    modifier nonReentrant() {
        if (_sending) revert ReentrantCall();
        _sending = true;
        _;
        _sending = false;
    }

    // ================================================================ providers

    /// @inheritdoc IComputeMarket
    function registerProvider(bytes16 region, uint32 capacity) external payable {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert ProviderAlreadyRegistered(msg.sender);
        if (region == bytes16(0)) revert InvalidRegion();
        if (capacity == 0) revert InvalidCapacity();
        if (msg.value < _MIN_STAKE) revert InsufficientStake(msg.sender, msg.value, _MIN_STAKE);
        uint96 stake = _toUint96(msg.value);

        p.registered = true;
        p.region = region;
        p.capacity = capacity;
        p.stake = stake;
        _totalStaked += stake;
        emit ProviderRegistered(msg.sender, region, capacity, stake);
    }

    /// @inheritdoc IComputeMarket
    function addStake() external payable {
        Provider storage p = _registeredProvider(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        uint96 stake = _toUint96(uint256(p.stake) + msg.value);

        p.stake = stake;
        _totalStaked += msg.value;
        emit StakeAdded(msg.sender, msg.value, stake);
    }

    /// @inheritdoc IComputeMarket
    function updateCapacity(uint32 capacity) external {
        Provider storage p = _registeredProvider(msg.sender);
        if (capacity == 0) revert InvalidCapacity();

        p.capacity = capacity;
        emit CapacityUpdated(msg.sender, capacity);
    }

    /// @inheritdoc IComputeMarket
    function requestStakeWithdrawal(uint256 amount) external {
        Provider storage p = _registeredProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 unlocked = _freeStake(p);
        if (amount > unlocked) revert StakeLocked(msg.sender, amount, unlocked);

        // amount <= unlocked <= stake, and unbonding + stake never exceeds what was deposited.
        p.stake -= uint96(amount);
        p.unbonding += uint96(amount);
        uint40 readyAt = uint40(block.timestamp) + _UNBONDING_DELAY;
        p.unbondingReadyAt = readyAt;
        emit StakeWithdrawalRequested(msg.sender, amount, p.unbonding, readyAt);
    }

    /// @inheritdoc IComputeMarket
    function withdrawStake() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < p.unbondingReadyAt) {
            revert UnbondingNotFinished(msg.sender, p.unbondingReadyAt, block.timestamp);
        }

        p.unbonding = 0;
        _totalStaked -= amount;
        emit StakeWithdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    // ================================================================ tasks

    /// @inheritdoc IComputeMarket
    function postTask(
        bytes32 requirementsHash,
        bytes16 region,
        uint256 bidWindowEnd,
        uint32 executionBudget,
        Mechanism mechanism
    ) external payable returns (uint256 taskId) {
        if (msg.value == 0) revert ZeroAmount();
        uint96 maxPrice = _toUint96(msg.value);
        if (bidWindowEnd <= block.timestamp) revert BidWindowInPast(bidWindowEnd, block.timestamp);
        uint256 windowLength = bidWindowEnd - block.timestamp;
        if (windowLength > type(uint32).max) revert BidWindowTooLong(windowLength);
        if (executionBudget == 0) revert InvalidExecutionBudget();

        taskId = ++_taskCount;
        Task storage t = _tasks[taskId];
        t.poster = msg.sender;
        t.maxPrice = maxPrice;
        t.requirementsHash = requirementsHash;
        t.region = region;
        // Fits: block.timestamp fits 40 bits for millennia and windowLength fits 32 bits.
        t.bidWindowEnd = uint40(bidWindowEnd);
        t.bidWindowLength = uint32(windowLength);
        t.executionBudget = executionBudget;
        t.mechanism = mechanism;
        t.status = TaskStatus.Open;
        _totalEscrow += maxPrice;
        emit TaskPosted(
            taskId, msg.sender, maxPrice, requirementsHash, region, bidWindowEnd, executionBudget, mechanism
        );
    }

    /// @inheritdoc IComputeMarket
    function cancelTask(uint256 taskId) external {
        Task storage t = _taskInStatus(taskId, TaskStatus.Open);
        if (msg.sender != t.poster) revert NotTaskPoster(taskId, msg.sender, t.poster);
        if (t.fallbackCount != 0) revert TaskHasBids(taskId, t.fallbackCount);

        _refund(taskId, t, RefundReason.Cancelled);
    }

    /// @inheritdoc IComputeMarket
    function placeBid(uint256 taskId, uint256 price) external {
        Provider storage p = _biddingProvider(msg.sender);
        _placeBid(p, taskId, price);
    }

    /// @inheritdoc IComputeMarket
    function placeBids(uint256[] calldata taskIds, uint256[] calldata prices) external {
        if (taskIds.length != prices.length) revert LengthMismatch(taskIds.length, prices.length);
        Provider storage p = _biddingProvider(msg.sender);
        for (uint256 i = 0; i < taskIds.length; ++i) {
            _placeBid(p, taskIds[i], prices[i]);
        }
    }

    /// @inheritdoc IComputeMarket
    function closeAuction(uint256 taskId) external {
        _closeAuction(taskId);
    }

    /// @inheritdoc IComputeMarket
    function closeAuctions(uint256[] calldata taskIds) external {
        for (uint256 i = 0; i < taskIds.length; ++i) {
            _closeAuction(taskIds[i]);
        }
    }

    /// @inheritdoc IComputeMarket
    function submitResult(uint256 taskId, uint32 epoch, bytes32 resultHash) external {
        Task storage t = _taskInStatus(taskId, TaskStatus.Awarded);
        if (epoch != t.epoch) revert StaleEpoch(taskId, epoch, t.epoch);
        address provider = t.provider;
        if (msg.sender != provider) revert NotAssignedProvider(taskId, msg.sender, provider);
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp > t.deadline) revert DeadlinePassed(taskId, t.deadline, block.timestamp);

        uint96 payment = t.payment;
        uint96 posterRefund = t.maxPrice - payment; // payment <= every kept bid <= maxPrice
        t.status = TaskStatus.Completed;
        _releaseAssignment(provider);
        _totalEscrow -= t.maxPrice;
        _credit(provider, payment);
        _credit(t.poster, posterRefund);
        emit ResultSubmitted(taskId, provider, epoch, resultHash, payment, posterRefund);
    }

    /// @inheritdoc IComputeMarket
    function reroute(uint256 taskId) external {
        _rerouteAfterDeadline(taskId);
    }

    /// @inheritdoc IComputeMarket
    function rerouteTasks(uint256[] calldata taskIds) external {
        for (uint256 i = 0; i < taskIds.length; ++i) {
            _rerouteAfterDeadline(taskIds[i]);
        }
    }

    /// @inheritdoc IComputeMarket
    function abandonTask(uint256 taskId) external {
        Task storage t = _taskInStatus(taskId, TaskStatus.Awarded);
        if (msg.sender != t.provider) revert NotAssignedProvider(taskId, msg.sender, t.provider);

        _failAssignment(taskId, t, FailureReason.Abandoned, _ABANDON_SLASH_BPS);
    }

    /// @inheritdoc IComputeMarket
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);

        _credits[msg.sender] = 0;
        _totalCredits -= uint128(amount); // amount <= _totalCredits, which is a sum of credits
        emit Withdrawn(msg.sender, amount);
        _sendValue(msg.sender, amount);
    }

    // ================================================================ views

    /// @inheritdoc IComputeMarket
    function config() external view returns (MarketConfig memory) {
        return MarketConfig({
            minStake: _MIN_STAKE,
            unbondingDelay: _UNBONDING_DELAY,
            slashBps: _SLASH_BPS,
            abandonSlashBps: _ABANDON_SLASH_BPS,
            maxRounds: _MAX_ROUNDS,
            fallbackDepth: _FALLBACK_DEPTH
        });
    }

    /// @inheritdoc IComputeMarket
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _existingTask(taskId);
    }

    /// @inheritdoc IComputeMarket
    function getFallbacks(uint256 taskId) external view returns (Bid[] memory bids) {
        Task storage t = _existingTask(taskId);
        bids = new Bid[](t.fallbackCount);
        Bid[MAX_FALLBACK_DEPTH] storage list = _fallbacks[taskId];
        for (uint256 i = 0; i < bids.length; ++i) {
            bids[i] = list[i];
        }
    }

    /// @inheritdoc IComputeMarket
    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @inheritdoc IComputeMarket
    function unlockedStake(address provider) external view returns (uint256) {
        return _freeStake(_providers[provider]);
    }

    /// @inheritdoc IComputeMarket
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IComputeMarket
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc IComputeMarket
    function totalEscrow() external view returns (uint256) {
        return _totalEscrow;
    }

    /// @inheritdoc IComputeMarket
    function totalCredits() external view returns (uint256) {
        return _totalCredits;
    }

    /// @inheritdoc IComputeMarket
    function totalStaked() external view returns (uint256) {
        return _totalStaked;
    }

    // ================================================================ internal: bidding and awards

    function _placeBid(Provider storage p, uint256 taskId, uint256 price) private {
        Task storage t = _taskInStatus(taskId, TaskStatus.Open);
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp >= t.bidWindowEnd) revert BiddingClosed(taskId, t.bidWindowEnd, block.timestamp);
        if (price == 0) revert ZeroBidPrice(taskId);
        if (price > t.maxPrice) revert BidAboveMaxPrice(taskId, price, t.maxPrice);
        if (t.region != bytes16(0) && t.region != p.region) revert RegionMismatch(taskId, t.region, p.region);
        BidderState storage b = _bidders[taskId][msg.sender];
        if (b.failed) revert ProviderFailedTask(taskId, msg.sender);
        uint8 round = t.round;
        if (b.lastRoundPlusOne == round + 1) revert DuplicateBid(taskId, msg.sender, round);

        b.lastRoundPlusOne = round + 1;
        // price <= maxPrice, a uint96.
        (t.fallbackCount,) = _fallbacks[taskId].insert(
            t.fallbackCount, _FALLBACK_DEPTH, Bid({provider: msg.sender, price: uint96(price)})
        );
        emit BidPlaced(taskId, msg.sender, price, round);
    }

    function _closeAuction(uint256 taskId) private {
        Task storage t = _taskInStatus(taskId, TaskStatus.Open);
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < t.bidWindowEnd) revert BiddingStillOpen(taskId, t.bidWindowEnd, block.timestamp);

        if (!_assignNextFallback(taskId, t)) {
            _reopenOrRefund(taskId, t);
        }
    }

    function _rerouteAfterDeadline(uint256 taskId) private {
        Task storage t = _taskInStatus(taskId, TaskStatus.Awarded);
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp <= t.deadline) revert DeadlineNotPassed(taskId, t.deadline, block.timestamp);

        _failAssignment(taskId, t, FailureReason.DeadlineMissed, _SLASH_BPS);
    }

    /// @dev Ends the current assignment without a result: slash, bar the provider from this task,
    /// then hand the task to the next fallback, a new round, or a refund.
    function _failAssignment(uint256 taskId, Task storage t, FailureReason reason, uint16 slashBps) private {
        address failed = t.provider;
        t.provider = address(0);
        t.payment = 0;
        ++t.reroutes; // at most fallbackDepth * maxRounds <= 8 * 255 assignments ever fail
        _bidders[taskId][failed].failed = true;
        _releaseAssignment(failed);
        emit TaskRerouted(taskId, failed, t.epoch, reason, msg.sender);

        _slash(failed, taskId, t.poster, slashBps);

        if (!_assignNextFallback(taskId, t)) {
            _reopenOrRefund(taskId, t);
        }
    }

    /// @dev Walks the fallback list from the cursor and assigns the first eligible bid.
    /// Bounded by the fallback depth.
    function _assignNextFallback(uint256 taskId, Task storage t) private returns (bool assigned) {
        Bid[MAX_FALLBACK_DEPTH] storage list = _fallbacks[taskId];
        uint8 count = t.fallbackCount;
        for (uint8 i = t.fallbackCursor; i < count; ++i) {
            Bid memory bid = list[i];
            Provider storage p = _providers[bid.provider];
            if (p.activeAssignments >= p.capacity) {
                emit FallbackSkipped(taskId, bid.provider, SkipReason.AtCapacity);
                continue;
            }
            if (_freeStake(p) < _MIN_STAKE) {
                emit FallbackSkipped(taskId, bid.provider, SkipReason.InsufficientFreeStake);
                continue;
            }
            uint96 payment = bid.price;
            if (t.mechanism == Mechanism.SecondPrice && i + 1 < count) {
                payment = list[i + 1].price;
            }
            uint40 deadline = uint40(block.timestamp) + t.executionBudget;
            t.fallbackCursor = i + 1;
            t.provider = bid.provider;
            t.payment = payment;
            t.deadline = deadline;
            t.status = TaskStatus.Awarded;
            uint32 epoch = ++t.epoch;
            ++p.activeAssignments; // bounded by capacity, a uint32
            emit TaskAwarded(taskId, bid.provider, bid.price, payment, epoch, deadline);
            return true;
        }
        t.fallbackCursor = count;
        return false;
    }

    function _reopenOrRefund(uint256 taskId, Task storage t) private {
        if (t.round + 1 >= _MAX_ROUNDS) {
            _refund(taskId, t, t.fallbackCount == 0 ? RefundReason.NoBids : RefundReason.FallbacksExhausted);
            return;
        }
        uint8 round = ++t.round;
        uint40 bidWindowEnd = uint40(block.timestamp) + t.bidWindowLength;
        t.status = TaskStatus.Open;
        t.bidWindowEnd = bidWindowEnd;
        t.fallbackCount = 0;
        t.fallbackCursor = 0;
        emit TaskReopened(taskId, round, bidWindowEnd);
    }

    function _refund(uint256 taskId, Task storage t, RefundReason reason) private {
        uint96 amount = t.maxPrice;
        t.status = TaskStatus.Refunded;
        _totalEscrow -= amount;
        _credit(t.poster, amount);
        emit TaskRefunded(taskId, t.poster, amount, reason);
    }

    // ================================================================ internal: stake and money

    function _slash(address provider, uint256 taskId, address poster, uint16 slashBps) private {
        Provider storage p = _providers[provider];
        // stake * bps fits 256 bits; the result is at most stake, a uint96.
        uint96 amount = uint96((uint256(p.stake) * slashBps) / _BPS);
        p.stake -= amount;
        p.slashedTotal += amount;
        ++p.slashCount;
        _totalStaked -= amount;
        _credit(poster, amount);
        emit ProviderSlashed(provider, taskId, amount, poster);
    }

    function _releaseAssignment(address provider) private {
        --_providers[provider].activeAssignments; // the provider held this assignment
    }

    function _credit(address account, uint96 amount) private {
        _credits[account] += amount;
        _totalCredits += amount;
    }

    function _sendValue(address to, uint256 amount) private {
        // A plain call is the only way to pay a contract account without a gas cap; it runs last,
        // after every state change, under the reentrancy guard.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    // ================================================================ internal: lookups

    function _existingTask(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == TaskStatus.None) revert TaskNotFound(taskId);
    }

    function _taskInStatus(uint256 taskId, TaskStatus expected) private view returns (Task storage t) {
        t = _existingTask(taskId);
        if (t.status != expected) revert InvalidTaskStatus(taskId, expected, t.status);
    }

    function _registeredProvider(address account) private view returns (Provider storage p) {
        p = _providers[account];
        if (!p.registered) revert ProviderNotRegistered(account);
    }

    function _biddingProvider(address account) private view returns (Provider storage p) {
        p = _registeredProvider(account);
        if (p.stake < _MIN_STAKE) revert InsufficientStake(account, p.stake, _MIN_STAKE);
    }

    /// @dev Stake beyond what active assignments lock (minStake each): what may be withdrawn, and
    /// what must cover minStake for one more assignment.
    function _freeStake(Provider storage p) private view returns (uint256) {
        uint256 locked = uint256(p.activeAssignments) * _MIN_STAKE;
        return p.stake > locked ? p.stake - locked : 0;
    }

    function _toUint96(uint256 amount) private pure returns (uint96) {
        if (amount > type(uint96).max) revert AmountTooLarge(amount);
        return uint96(amount);
    }
}
