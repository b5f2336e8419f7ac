// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "./IComputeMarket.sol";
import {FallbackBids, FALLBACK_SLOTS, MAX_FALLBACK_DEPTH} from "./libraries/FallbackBids.sol";
import {Auction, TaskAuction} from "./libraries/TaskAuction.sol";

/// @title ComputeMarket
/// @notice The bidmesh market; see IComputeMarket for the rules, the states and the money flows.
/// @dev Every loop is bounded by a constant (the fallback depth) or by the caller's own calldata.
/// Ether leaves only through `_sendValue`, called last by withdraw and withdrawStake.
///
/// Storage is laid out for bidding, the most frequent call. A bid reads one slot of its task, the
/// Auction word (status, window, maxPrice, round, flags, and the price a bid must beat once the
/// fallback list is full); a bid that the full list does not keep touches no other slot of the task.
/// Kept bids are packed two a slot, with the count, in slots the poster initialised, and name their
/// provider by a 32-bit id; a kept bid writes the Auction word only when the list becomes full or the
/// price to beat changes. The duplicate-bid check is a bit in a per-provider word that covers 256
/// consecutive task ids of a round, carried in memory across a batch.
///
/// Keeper fees: a task's remaining keeper reserve is not stored in wei but as the number of keeper
/// calls it has paid for (keeperCalls, 16 bits in a spare part of slot 2, which postTask writes
/// anyway and every close, reroute, result and refund reads): reserve left = keeperFee *
/// (keeperCalls the reserve covers - keeperCalls paid). With a zero fee it is never written.
contract ComputeMarket is IComputeMarket {
    using FallbackBids for uint256[FALLBACK_SLOTS];

    uint16 private constant _BPS = 10_000;
    /// @dev Longest unbonding delay accepted: stake that cannot leave for over a year is a misconfiguration.
    uint32 private constant _MAX_UNBONDING_DELAY = 365 days;
    /// @dev Largest escrow (and so price): kept bids store prices in 88 bits.
    uint256 private constant _MAX_PRICE = type(uint88).max;
    /// @dev No duplicate-bid word loaded: no real key (round << 248 | taskId >> 8) reaches it.
    uint256 private constant _NO_BITS = type(uint256).max;

    uint96 private immutable _MIN_STAKE;
    uint32 private immutable _UNBONDING_DELAY;
    uint16 private immutable _SLASH_BPS;
    uint16 private immutable _ABANDON_SLASH_BPS;
    uint8 private immutable _MAX_ROUNDS;
    uint8 private immutable _FALLBACK_DEPTH;
    uint96 private immutable _KEEPER_FEE;
    /// @dev Keeper calls a task's reserve pays for: maxRounds * (fallbackDepth + 1), at most 255 * 9.
    uint16 private immutable _KEEPER_CALLS;
    /// @dev _KEEPER_FEE * _KEEPER_CALLS, below _MAX_PRICE.
    uint256 private immutable _KEEPER_RESERVE;

    /// @dev A task as stored; getTask assembles IComputeMarket.Task from it.
    struct TaskRecord {
        // slot 0: read by every bid
        Auction auction;
        // slot 1: the current assignment
        address provider;
        uint40 deadline;
        uint32 epoch;
        uint16 reroutes;
        uint8 fallbackCursor;
        // slot 2
        address poster;
        uint32 executionBudget;
        uint32 bidWindowLength;
        uint16 keeperCalls; // keeper calls paid from the reserve (never written while keeperFee is zero)
        // slot 3: region is read by bids on regional tasks only
        bytes16 region;
        uint88 payment;
        // slot 4
        bytes32 requirementsHash;
    }

    /// @dev A provider as stored; getProvider assembles IComputeMarket.Provider from it.
    struct ProviderRecord {
        // slot 0: read by every batch of bids and every award
        uint96 stake;
        uint32 capacity;
        uint32 activeAssignments;
        uint32 id;
        bool registered;
        uint40 unbondingReadyAt;
        // slot 1
        bytes16 region;
        uint96 unbonding;
        uint32 slashCount;
        // slot 2: as wide as the sum of every slash can get
        uint256 slashedTotal;
    }

    /// @dev Reentrancy lock for the two functions that send ether; transient, so it costs no storage.
    bool private transient _sending;

    uint256 private _taskCount;
    uint128 private _totalEscrow;
    uint128 private _totalCredits;
    uint256 private _totalStaked;
    uint32 private _providerCount;

    mapping(uint256 taskId => TaskRecord task) private _tasks;
    mapping(uint256 taskId => uint256[FALLBACK_SLOTS] bestBids) private _fallbacks;
    /// @dev Bit (taskId & 255) of word (round << 248 | taskId >> 8): the provider bid on the task in that round.
    mapping(address provider => mapping(uint256 roundAndWord => uint256 bits)) private _bidBits;
    /// @dev The provider missed a deadline or abandoned this task: it may not bid on it again.
    mapping(uint256 taskId => mapping(address provider => bool failed)) private _failed;
    mapping(address provider => ProviderRecord record) private _providers;
    mapping(uint256 providerId => address provider) private _providerAddresses;
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
        // Per round one close and at most fallbackDepth reroutes after a missed deadline.
        uint256 keeperCalls = uint256(cfg.maxRounds) * (uint256(cfg.fallbackDepth) + 1);
        uint256 reserve = uint256(cfg.keeperFee) * keeperCalls;
        // The reserve must leave room for a maxPrice of at least 1 wei under the escrow bound.
        if (reserve >= _MAX_PRICE) revert InvalidConfig(ConfigField.KeeperFee, cfg.keeperFee);
        _MIN_STAKE = cfg.minStake;
        _UNBONDING_DELAY = cfg.unbondingDelay;
        _SLASH_BPS = cfg.slashBps;
        _ABANDON_SLASH_BPS = cfg.abandonSlashBps;
        _MAX_ROUNDS = cfg.maxRounds;
        _FALLBACK_DEPTH = cfg.fallbackDepth;
        _KEEPER_FEE = cfg.keeperFee;
        _KEEPER_CALLS = uint16(keeperCalls); // at most 255 * 9
        _KEEPER_RESERVE = reserve;
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
        ProviderRecord storage p = _providers[msg.sender];
        if (p.registered) revert ProviderAlreadyRegistered(msg.sender);
        if (region == bytes16(0)) revert InvalidRegion();
        if (capacity == 0) revert InvalidCapacity();
        uint256 minStake = _MIN_STAKE;
        if (msg.value < minStake) revert InsufficientStake(msg.sender, msg.value, minStake);
        // A new record has no stake and nothing unbonding: the deposit alone must fit 96 bits.
        if (msg.value > type(uint96).max) revert AmountTooLarge(msg.value);
        uint96 stake = uint96(msg.value);
        uint32 id = ++_providerCount;

        p.stake = stake;
        p.capacity = capacity;
        p.id = id;
        p.registered = true;
        p.region = region;
        _providerAddresses[id] = msg.sender;
        _totalStaked += stake;
        emit ProviderRegistered(msg.sender, region, capacity, stake);
    }

    /// @inheritdoc IComputeMarket
    function addStake() external payable {
        ProviderRecord storage p = _registeredProvider(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        uint256 stake = p.stake;
        // stake + unbonding never exceeds 2^96 - 1, so requestStakeWithdrawal cannot overflow either.
        // The sum cannot overflow: the balance, msg.value included, already holds stake + unbonding.
        uint256 total = stake + p.unbonding + msg.value;
        if (total > type(uint96).max) revert AmountTooLarge(total);
        stake += msg.value;

        p.stake = uint96(stake);
        _totalStaked += msg.value;
        emit StakeAdded(msg.sender, msg.value, stake);
    }

    /// @inheritdoc IComputeMarket
    function updateCapacity(uint32 capacity) external {
        ProviderRecord storage p = _registeredProvider(msg.sender);
        if (capacity == 0) revert InvalidCapacity();

        p.capacity = capacity;
        emit CapacityUpdated(msg.sender, capacity);
    }

    /// @inheritdoc IComputeMarket
    function requestStakeWithdrawal(uint256 amount) external {
        ProviderRecord storage p = _registeredProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 unlocked = _freeStake(p);
        if (amount > unlocked) revert StakeLocked(msg.sender, amount, unlocked);

        uint96 unbonding;
        // amount <= unlocked <= stake, and stake + unbonding never exceeds 2^96 - 1 (see addStake).
        unchecked {
            p.stake -= uint96(amount);
            unbonding = p.unbonding + uint96(amount);
        }
        p.unbonding = unbonding;
        uint40 readyAt = uint40(block.timestamp) + _UNBONDING_DELAY;
        p.unbondingReadyAt = readyAt;
        emit StakeWithdrawalRequested(msg.sender, amount, unbonding, readyAt);
    }

    /// @inheritdoc IComputeMarket
    function withdrawStake() external nonReentrant {
        ProviderRecord storage p = _providers[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        uint40 readyAt = p.unbondingReadyAt;
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < readyAt) revert UnbondingNotFinished(msg.sender, readyAt, block.timestamp);

        p.unbonding = 0;
        unchecked {
            _totalStaked -= amount; // the sum of every stake and unbonding
        }
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
        uint256 reserve = _KEEPER_RESERVE;
        if (msg.value <= reserve) {
            if (msg.value == 0) revert ZeroAmount();
            revert EscrowBelowKeeperReserve(msg.value, reserve);
        }
        if (msg.value > _MAX_PRICE) revert AmountTooLarge(msg.value);
        if (bidWindowEnd <= block.timestamp) revert BidWindowInPast(bidWindowEnd, block.timestamp);
        uint256 windowLength = bidWindowEnd - block.timestamp;
        if (windowLength > type(uint32).max) revert BidWindowTooLong(windowLength);
        if (executionBudget == 0) revert InvalidExecutionBudget();

        taskId = ++_taskCount;
        TaskRecord storage t = _tasks[taskId];
        uint256 maxPrice;
        unchecked {
            maxPrice = msg.value - reserve; // msg.value > reserve
        }
        // Fits: block.timestamp fits 40 bits for millennia and windowLength fits 32 bits.
        t.auction = TaskAuction.posted(maxPrice, uint40(bidWindowEnd), mechanism, region != bytes16(0));
        t.poster = msg.sender;
        t.executionBudget = executionBudget;
        t.bidWindowLength = uint32(windowLength);
        if (region != bytes16(0)) t.region = region;
        t.requirementsHash = requirementsHash;
        // The poster pays for the fallback slots up front, so that bids only change them.
        _fallbacks[taskId].init(_FALLBACK_DEPTH);
        _totalEscrow += uint128(msg.value);
        emit TaskPosted(
            taskId, msg.sender, maxPrice, reserve, requirementsHash, region, bidWindowEnd, executionBudget, mechanism
        );
    }

    /// @inheritdoc IComputeMarket
    function cancelTask(uint256 taskId) external {
        TaskRecord storage t = _tasks[taskId];
        Auction a = _auctionInStatus(taskId, t, TaskStatus.Open);
        address poster = t.poster;
        if (msg.sender != poster) revert NotTaskPoster(taskId, msg.sender, poster);
        uint256 bids = _fallbackCount(taskId, a);
        if (bids != 0) revert TaskHasBids(taskId, bids);

        _refund(taskId, t, RefundReason.Cancelled);
    }

    /// @inheritdoc IComputeMarket
    function placeBid(uint256 taskId, uint256 price) external {
        uint256 providerId = _biddingProviderId(msg.sender);
        (uint256 key, uint256 bits) = _placeBid(providerId, taskId, price, _NO_BITS, 0);
        _bidBits[msg.sender][key] = bits;
    }

    /// @inheritdoc IComputeMarket
    function placeBids(uint256[] calldata taskIds, uint256[] calldata prices) external {
        if (taskIds.length != prices.length) revert LengthMismatch(taskIds.length, prices.length);
        uint256 providerId = _biddingProviderId(msg.sender);
        // The duplicate-bid word in hand, carried from bid to bid and written back when the batch
        // moves to another word, and at the end.
        uint256 key = _NO_BITS;
        uint256 bits;
        for (uint256 i = 0; i < taskIds.length;) {
            (key, bits) = _placeBid(providerId, taskIds[i], prices[i], key, bits);
            unchecked {
                ++i;
            }
        }
        if (key != _NO_BITS) _bidBits[msg.sender][key] = bits;
    }

    /// @inheritdoc IComputeMarket
    function closeAuction(uint256 taskId) external {
        _creditKeeper(_closeAuction(taskId));
    }

    /// @inheritdoc IComputeMarket
    function closeAuctions(uint256[] calldata taskIds) external {
        uint256 fees;
        for (uint256 i = 0; i < taskIds.length; ++i) {
            fees += _closeAuction(taskIds[i]);
        }
        _creditKeeper(fees);
    }

    /// @inheritdoc IComputeMarket
    function submitResult(uint256 taskId, uint32 epoch, bytes32 resultHash) external {
        TaskRecord storage t = _tasks[taskId];
        Auction a = _auctionInStatus(taskId, t, TaskStatus.Awarded);
        uint32 current = t.epoch;
        if (epoch != current) revert StaleEpoch(taskId, epoch, current);
        address provider = t.provider;
        if (msg.sender != provider) revert NotAssignedProvider(taskId, msg.sender, provider);
        _requireDeadlineNotPassed(taskId, t.deadline);

        uint96 maxPrice = a.maxPrice();
        uint96 payment = t.payment;
        uint96 reserveLeft = _reserveLeft(t);
        uint96 posterRefund;
        unchecked {
            // payment <= every kept bid <= maxPrice, and maxPrice + reserve left <= the escrow < 2^88.
            posterRefund = maxPrice - payment + reserveLeft;
            _totalEscrow -= maxPrice + reserveLeft; // the sum of the escrow of Open and Awarded tasks
        }
        t.auction = a.withStatus(TaskStatus.Completed);
        _releaseAssignment(provider);
        _credit(provider, payment);
        _credit(t.poster, posterRefund);
        emit ResultSubmitted(taskId, provider, epoch, resultHash, payment, posterRefund);
    }

    /// @inheritdoc IComputeMarket
    function reroute(uint256 taskId) external {
        _creditKeeper(_rerouteAfterDeadline(taskId));
    }

    /// @inheritdoc IComputeMarket
    function rerouteTasks(uint256[] calldata taskIds) external {
        uint256 fees;
        for (uint256 i = 0; i < taskIds.length; ++i) {
            fees += _rerouteAfterDeadline(taskIds[i]);
        }
        _creditKeeper(fees);
    }

    /// @inheritdoc IComputeMarket
    function abandonTask(uint256 taskId) external {
        TaskRecord storage t = _tasks[taskId];
        _auctionInStatus(taskId, t, TaskStatus.Awarded);
        address provider = t.provider;
        if (msg.sender != provider) revert NotAssignedProvider(taskId, msg.sender, provider);
        // Past its deadline an assignee is rerouted with the full slash; it may not abandon for less.
        _requireDeadlineNotPassed(taskId, t.deadline);

        _failAssignment(taskId, t, FailureReason.Abandoned, _ABANDON_SLASH_BPS);
    }

    /// @inheritdoc IComputeMarket
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);

        _credits[msg.sender] = 0;
        unchecked {
            _totalCredits -= uint128(amount); // amount <= _totalCredits, which is a sum of credits
        }
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
            fallbackDepth: _FALLBACK_DEPTH,
            keeperFee: _KEEPER_FEE
        });
    }

    /// @inheritdoc IComputeMarket
    function keeperReserve() external view returns (uint256) {
        return _KEEPER_RESERVE;
    }

    /// @inheritdoc IComputeMarket
    function getTask(uint256 taskId) external view returns (Task memory task) {
        TaskRecord storage t = _tasks[taskId];
        Auction a = _existingAuction(taskId, t);
        task.poster = t.poster;
        task.maxPrice = a.maxPrice();
        task.provider = t.provider;
        task.payment = t.payment;
        task.requirementsHash = t.requirementsHash;
        task.region = t.region;
        task.bidWindowEnd = a.bidWindowEnd();
        task.deadline = t.deadline;
        task.executionBudget = t.executionBudget;
        task.mechanism = a.mechanism();
        task.status = a.status();
        task.bidWindowLength = t.bidWindowLength;
        task.epoch = t.epoch;
        task.reroutes = t.reroutes;
        task.round = a.round();
        task.fallbackCursor = t.fallbackCursor;
        task.fallbackCount = uint8(_fallbackCount(taskId, a));
        TaskStatus status = a.status();
        if (status == TaskStatus.Open || status == TaskStatus.Awarded) task.keeperReserve = _reserveLeft(t);
    }

    /// @inheritdoc IComputeMarket
    function getFallbacks(uint256 taskId) external view returns (Bid[] memory bids) {
        Auction a = _existingAuction(taskId, _tasks[taskId]);
        uint256[FALLBACK_SLOTS] storage list = _fallbacks[taskId];
        bids = new Bid[](_fallbackCount(taskId, a));
        for (uint256 i = 0; i < bids.length; ++i) {
            (uint256 providerId, uint256 price) = list.at(i);
            bids[i] = Bid({provider: _providerAddresses[providerId], price: uint96(price)});
        }
    }

    /// @inheritdoc IComputeMarket
    function getProvider(address provider) external view returns (Provider memory record) {
        ProviderRecord storage p = _providers[provider];
        record.stake = p.stake;
        record.region = p.region;
        record.capacity = p.capacity;
        record.unbonding = p.unbonding;
        record.unbondingReadyAt = p.unbondingReadyAt;
        record.activeAssignments = p.activeAssignments;
        record.slashCount = p.slashCount;
        record.registered = p.registered;
        record.slashedTotal = p.slashedTotal;
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

    /// @dev One bid by msg.sender. The checks, in order: task status, window, price, region, failed,
    /// duplicate. (key, bits) is the caller's duplicate-bid word in hand (key _NO_BITS: none); the
    /// word it returns holds this bid.
    function _placeBid(uint256 providerId, uint256 taskId, uint256 price, uint256 key, uint256 bits)
        private
        returns (uint256, uint256)
    {
        TaskRecord storage t = _tasks[taskId];
        Auction a = t.auction;
        if (!a.isOpen()) _revertStatus(taskId, a, TaskStatus.Open);
        {
            uint40 windowEnd = a.bidWindowEnd();
            // solhint-disable-next-line not-rely-on-time
            if (block.timestamp >= windowEnd) revert BiddingClosed(taskId, windowEnd, block.timestamp);
        }
        if (price == 0) revert ZeroBidPrice(taskId);
        if (price > a.maxPrice()) revert BidAboveMaxPrice(taskId, price, a.maxPrice());
        if (a.regional()) _checkRegion(taskId, t.region);
        // Only a failed assignment marks a provider failed, and it also sets the rerouted flag.
        if (a.rerouted() && _failed[taskId][msg.sender]) revert ProviderFailedTask(taskId, msg.sender);
        uint8 round = a.round();
        {
            uint256 wordKey = (uint256(round) << 248) | (taskId >> 8);
            if (wordKey != key) {
                if (key != _NO_BITS) _bidBits[msg.sender][key] = bits;
                key = wordKey;
                bits = _bidBits[msg.sender][wordKey];
            }
            uint256 bit = 1 << (taskId & 0xff);
            if (bits & bit != 0) revert DuplicateBid(taskId, msg.sender, round);
            bits |= bit;
        }
        // A full list keeps a bid only if it is strictly cheaper than its last bid (the cutoff).
        if (!a.full() || price < a.cutoff()) _keepBid(t, a, taskId, providerId, price);
        emit BidPlaced(taskId, msg.sender, price, round);
        return (key, bits);
    }

    function _checkRegion(uint256 taskId, bytes16 required) private view {
        bytes16 actual = _providers[msg.sender].region; // warm after the bidder's first regional task
        if (required != actual) revert RegionMismatch(taskId, required, actual);
    }

    /// @dev Inserts a bid that the list keeps; the Auction word changes when the list becomes full
    /// or, once full, when the price of its last bid changes.
    function _keepBid(TaskRecord storage t, Auction a, uint256 taskId, uint256 providerId, uint256 price) private {
        uint256 depth = _FALLBACK_DEPTH;
        bool full = a.full();
        // price <= maxPrice < 2^88.
        (uint256 newCount, uint256 lastPrice) = _fallbacks[taskId].insert(full, depth, providerId, price);
        if (newCount == depth && (!full || lastPrice != a.cutoff())) t.auction = a.withFull(lastPrice);
    }

    /// @return fee The keeper fee taken from the task's reserve, for the caller to credit.
    function _closeAuction(uint256 taskId) private returns (uint256 fee) {
        TaskRecord storage t = _tasks[taskId];
        Auction a = _auctionInStatus(taskId, t, TaskStatus.Open);
        uint40 windowEnd = a.bidWindowEnd();
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp < windowEnd) revert BiddingStillOpen(taskId, windowEnd, block.timestamp);

        fee = _takeKeeperFee(taskId, t);
        if (!_assignNextFallback(taskId, t)) {
            _reopenOrRefund(taskId, t);
        }
    }

    /// @return fee The keeper fee taken from the task's reserve, for the caller to credit.
    function _rerouteAfterDeadline(uint256 taskId) private returns (uint256 fee) {
        TaskRecord storage t = _tasks[taskId];
        _auctionInStatus(taskId, t, TaskStatus.Awarded);
        uint40 deadline = t.deadline;
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp <= deadline) revert DeadlineNotPassed(taskId, deadline, block.timestamp);

        fee = _takeKeeperFee(taskId, t);
        _failAssignment(taskId, t, FailureReason.DeadlineMissed, _SLASH_BPS);
    }

    /// @dev Takes one keeper fee from the task's reserve (out of totalEscrow) and emits KeeperPaid;
    /// the caller credits the keeper, once per transaction. Nothing at all when the fee is zero.
    /// The reserve cannot run out: a round has one close and at most fallbackDepth assignments, so
    /// at most fallbackDepth reroutes after a missed deadline, and there are at most maxRounds rounds.
    function _takeKeeperFee(uint256 taskId, TaskRecord storage t) private returns (uint256 fee) {
        fee = _KEEPER_FEE;
        if (fee == 0) return 0;
        unchecked {
            ++t.keeperCalls; // at most _KEEPER_CALLS (above)
            _totalEscrow -= uint128(fee); // the task's escrow still holds its reserve left
        }
        emit KeeperPaid(taskId, msg.sender, fee);
    }

    /// @dev Credits msg.sender the keeper fees taken in this call.
    function _creditKeeper(uint256 fees) private {
        if (fees == 0) return;
        // At most a batch's worth of reserves, all already in the contract's balance.
        _credits[msg.sender] += fees;
        _totalCredits += uint128(fees);
    }

    /// @dev The keeper reserve the task still holds, in wei; below 2^88.
    function _reserveLeft(TaskRecord storage t) private view returns (uint96) {
        uint96 fee = _KEEPER_FEE;
        if (fee == 0) return 0;
        unchecked {
            return fee * (_KEEPER_CALLS - t.keeperCalls); // keeperCalls <= _KEEPER_CALLS; the product < 2^88
        }
    }

    /// @dev Ends the current assignment without a result: slash, bar the provider from this task,
    /// then hand the task to the next fallback, a new round, or a refund.
    function _failAssignment(uint256 taskId, TaskRecord storage t, FailureReason reason, uint16 slashBps) private {
        address failed = t.provider;
        t.provider = address(0);
        t.payment = 0;
        unchecked {
            ++t.reroutes; // at most fallbackDepth * maxRounds <= 8 * 255 assignments ever fail
        }
        t.auction = t.auction.withRerouted();
        _failed[taskId][failed] = true;
        _releaseAssignment(failed);
        emit TaskRerouted(taskId, failed, t.epoch, reason, msg.sender);

        _slash(failed, taskId, t.poster, slashBps);

        if (!_assignNextFallback(taskId, t)) {
            _reopenOrRefund(taskId, t);
        }
    }

    /// @dev Walks the fallback list from the cursor and assigns the first eligible bid.
    /// Bounded by the fallback depth.
    function _assignNextFallback(uint256 taskId, TaskRecord storage t) private returns (bool assigned) {
        Auction a = t.auction;
        uint256[FALLBACK_SLOTS] storage list = _fallbacks[taskId];
        uint256 count = _fallbackCount(taskId, a);
        for (uint256 i = t.fallbackCursor; i < count; ++i) {
            (uint256 providerId, uint256 bidPrice) = list.at(i);
            address bidder = _providerAddresses[providerId];
            ProviderRecord storage p = _providers[bidder];
            if (p.activeAssignments >= p.capacity) {
                emit FallbackSkipped(taskId, bidder, SkipReason.AtCapacity);
                continue;
            }
            if (_freeStake(p) < _MIN_STAKE) {
                emit FallbackSkipped(taskId, bidder, SkipReason.InsufficientFreeStake);
                continue;
            }
            uint256 payment = bidPrice;
            if (a.mechanism() == Mechanism.SecondPrice && i + 1 < count) {
                payment = list.priceAt(i + 1);
            }
            uint40 deadline = uint40(block.timestamp) + t.executionBudget;
            t.fallbackCursor = uint8(i + 1); // i < count <= 8
            t.provider = bidder;
            t.payment = uint88(payment); // a kept price, below 2^88
            t.deadline = deadline;
            t.auction = a.withStatus(TaskStatus.Awarded);
            uint32 epoch;
            unchecked {
                epoch = ++t.epoch; // one per award: at most fallbackDepth * maxRounds <= 8 * 255
                ++p.activeAssignments; // below capacity, a uint32
            }
            emit TaskAwarded(taskId, bidder, bidPrice, payment, epoch, deadline);
            return true;
        }
        t.fallbackCursor = uint8(count);
        return false;
    }

    function _reopenOrRefund(uint256 taskId, TaskRecord storage t) private {
        Auction a = t.auction;
        if (a.round() + 1 >= _MAX_ROUNDS) {
            _refund(taskId, t, _fallbackCount(taskId, a) == 0 ? RefundReason.NoBids : RefundReason.FallbacksExhausted);
            return;
        }
        uint8 round = a.round() + 1;
        uint40 bidWindowEnd = uint40(block.timestamp) + t.bidWindowLength;
        t.auction = a.reopened(round, bidWindowEnd);
        _fallbacks[taskId].clear();
        t.fallbackCursor = 0;
        emit TaskReopened(taskId, round, bidWindowEnd);
    }

    function _refund(uint256 taskId, TaskRecord storage t, RefundReason reason) private {
        Auction a = t.auction;
        uint96 amount;
        unchecked {
            amount = a.maxPrice() + _reserveLeft(t); // at most the task's escrow, below 2^88
        }
        t.auction = a.withStatus(TaskStatus.Refunded);
        unchecked {
            _totalEscrow -= amount; // the sum of the escrow of Open and Awarded tasks
        }
        address poster = t.poster;
        _credit(poster, amount);
        emit TaskRefunded(taskId, poster, amount, reason);
    }

    // ================================================================ internal: stake and money

    function _slash(address provider, uint256 taskId, address poster, uint16 slashBps) private {
        ProviderRecord storage p = _providers[provider];
        // stake * bps fits 256 bits; the result is at most stake, a uint96.
        uint96 amount = uint96((uint256(p.stake) * slashBps) / _BPS);
        unchecked {
            p.stake -= amount; // amount <= stake
            _totalStaked -= amount; // stake <= totalStaked
        }
        p.slashedTotal += amount;
        ++p.slashCount;
        _credit(poster, amount);
        emit ProviderSlashed(provider, taskId, amount, poster);
    }

    function _releaseAssignment(address provider) private {
        unchecked {
            --_providers[provider].activeAssignments; // the provider held this assignment
        }
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

    function _existingAuction(uint256 taskId, TaskRecord storage t) private view returns (Auction a) {
        a = t.auction;
        if (a.hasStatus(TaskStatus.None)) revert TaskNotFound(taskId);
    }

    function _auctionInStatus(uint256 taskId, TaskRecord storage t, TaskStatus expected)
        private
        view
        returns (Auction a)
    {
        a = t.auction;
        if (!a.hasStatus(expected)) _revertStatus(taskId, a, expected);
    }

    function _requireDeadlineNotPassed(uint256 taskId, uint40 deadline) private view {
        // solhint-disable-next-line not-rely-on-time
        if (block.timestamp > deadline) revert DeadlinePassed(taskId, deadline, block.timestamp);
    }

    /// @dev TaskNotFound for an id never posted, else InvalidTaskStatus.
    function _revertStatus(uint256 taskId, Auction a, TaskStatus expected) private pure {
        TaskStatus status = a.status();
        if (status == TaskStatus.None) revert TaskNotFound(taskId);
        revert InvalidTaskStatus(taskId, expected, status);
    }

    /// @dev Bids kept this round. The count is stored with the bids, and implied by the full flag.
    function _fallbackCount(uint256 taskId, Auction a) private view returns (uint256) {
        return a.full() ? _FALLBACK_DEPTH : _fallbacks[taskId].count();
    }

    function _registeredProvider(address account) private view returns (ProviderRecord storage p) {
        p = _providers[account];
        if (!p.registered) revert ProviderNotRegistered(account);
    }

    function _biddingProviderId(address account) private view returns (uint256) {
        ProviderRecord storage p = _registeredProvider(account);
        uint96 stake = p.stake;
        uint96 minStake = _MIN_STAKE;
        if (stake < minStake) revert InsufficientStake(account, stake, minStake);
        return p.id;
    }

    /// @dev Stake beyond what active assignments lock (minStake each): what may be withdrawn, and
    /// what must cover minStake for one more assignment.
    function _freeStake(ProviderRecord storage p) private view returns (uint256) {
        uint256 locked = uint256(p.activeAssignments) * _MIN_STAKE;
        uint256 stake = p.stake;
        return stake > locked ? stake - locked : 0;
    }
}
