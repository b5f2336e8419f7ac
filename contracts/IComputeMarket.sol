// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IComputeMarket
/// @notice The bidmesh compute market: posters escrow a task's maximum price, staked providers bid in a
/// reverse auction, the contract awards the best bid and keeps the next best as fallbacks, and anyone
/// may close an auction or reroute a task whose provider missed its deadline, for a keeper fee paid
/// from the task's escrow.
/// @dev This file is the specification. Every refusal is a custom error with arguments and every state
/// change emits exactly one event named in the past tense, so the full history of any task and any
/// provider can be rebuilt from events alone.
///
/// Task states and the only allowed transitions:
///   Open -> Awarded            closeAuction with an eligible bid
///   Open -> Open               closeAuction with no eligible bid and rounds left (re-auction)
///   Open -> Refunded           cancelTask, or closeAuction with no eligible bid and no rounds left
///   Awarded -> Completed       submitResult by the assignee before its deadline
///   Awarded -> Awarded         reroute/abandon with an eligible fallback (epoch + 1)
///   Awarded -> Open            reroute/abandon with no fallback left and rounds left (re-auction)
///   Awarded -> Refunded        reroute/abandon with no fallback and no rounds left
/// Completed and Refunded are terminal.
///
/// Money: escrow comes in with postTask, stake with registerProvider/addStake. A task's escrow is its
/// maxPrice plus its keeper reserve, keeperFee * maxRounds * (fallbackDepth + 1): enough to pay every
/// keeper call the task can need (per round one closeAuction and at most fallbackDepth reroutes after
/// missed deadlines). Each such call credits its caller keeperFee from the task's reserve (KeeperPaid);
/// abandonTask pays none. When the task ends, the reserve left goes back to the poster with the unused
/// maxPrice (in ResultSubmitted.posterRefund or TaskRefunded.amount), so totalEscrow drops by the
/// task's whole remaining escrow. Value leaves only by withdraw (credits: payments, refunds, slashes,
/// keeper fees) and withdrawStake (unbonded stake), both pulled by the account that is owed. At every
/// moment the contract's balance is at least totalEscrow + totalCredits + totalStaked, and equal to
/// it unless ether was force-sent.
///
/// Bounds: a task's escrow (maxPrice plus keeper reserve, so every price) is at most 2^88 - 1 wei,
/// and a provider's stake plus unbonding stake at most 2^96 - 1 wei; deposits beyond them are refused
/// with AmountTooLarge, so no amount the market keeps can overflow. The keeper reserve itself is
/// below 2^88 - 1 (the constructor refuses a larger keeperFee).
interface IComputeMarket {
    // ---------------------------------------------------------------- enums

    /// @notice Lifecycle of a task. `None` marks an id that was never posted.
    enum TaskStatus {
        None,
        Open,
        Awarded,
        Completed,
        Refunded
    }

    /// @notice How the winner of a reverse auction is paid.
    /// @dev FirstPrice: the lowest bid wins and is paid its own price.
    /// SecondPrice: the lowest bid wins and is paid the next kept bid's price, or its own when alone.
    /// After a reroute, the fallback at position i is paid the price at i + 1; the last kept bid is
    /// paid its own price, since bids beyond the fallback depth are not stored (only their events are).
    enum Mechanism {
        FirstPrice,
        SecondPrice
    }

    /// @notice Why an assignment ended without a result.
    enum FailureReason {
        DeadlineMissed,
        Abandoned
    }

    /// @notice Why a fallback bid was passed over when the task was (re)assigned.
    enum SkipReason {
        AtCapacity,
        InsufficientFreeStake
    }

    /// @notice Why the escrow went back to the poster.
    /// @dev Cancelled: by the poster. NoBids: the last round closed with no bid at all.
    /// FallbacksExhausted: the last round had bids, but none of them delivered or was eligible.
    enum RefundReason {
        Cancelled,
        NoBids,
        FallbacksExhausted
    }

    /// @notice Names the constructor parameter that `InvalidConfig` refuses.
    enum ConfigField {
        MinStake,
        UnbondingDelay,
        SlashBps,
        AbandonSlashBps,
        MaxRounds,
        FallbackDepth,
        KeeperFee
    }

    // ---------------------------------------------------------------- structs

    /// @notice Market parameters, fixed at deployment.
    /// @param minStake Stake a provider needs to bid, and the stake locked by each active assignment.
    /// @param unbondingDelay Seconds between a stake withdrawal request and its payout (at most 365 days).
    /// @param slashBps Share of a provider's stake (basis points) slashed when it misses a deadline.
    /// @param abandonSlashBps Share slashed when it abandons an assignment; at most `slashBps`.
    /// @param maxRounds Auction rounds a task may have (first auction included) before it is refunded.
    /// @param fallbackDepth Bids kept per task, best first: the winner and its fallbacks (1 to 8).
    /// @param keeperFee Wei credited to whoever closes an auction or reroutes a task after a missed
    /// deadline, from the task's escrow (zero allowed). keeperFee * maxRounds * (fallbackDepth + 1),
    /// the keeper reserve of a task, must be below 2^88 - 1.
    struct MarketConfig {
        uint96 minStake;
        uint32 unbondingDelay;
        uint16 slashBps;
        uint16 abandonSlashBps;
        uint8 maxRounds;
        uint8 fallbackDepth;
        uint96 keeperFee;
    }

    /// @notice A task as stored. Amounts in wei, times in seconds (block timestamps).
    /// @param poster Account that posted and escrowed the task; receives refunds and slashes.
    /// @param maxPrice Escrow beyond the keeper reserve; no bid may exceed it. Below 2^88 - 1.
    /// @param provider Current assignee (zero unless Awarded or Completed).
    /// @param payment What the current assignee is paid on a result.
    /// @param requirementsHash Hash of the off-chain task description.
    /// @param region Required provider region, or zero for any region.
    /// @param bidWindowEnd Bids are accepted while block.timestamp < bidWindowEnd.
    /// @param deadline Current assignee must submit (or abandon) while block.timestamp <= deadline.
    /// @param executionBudget Seconds an assignee gets: deadline = award time + executionBudget.
    /// @param mechanism Auction pricing rule.
    /// @param status Lifecycle state.
    /// @param bidWindowLength Length of the first bid window, reused by each re-auction.
    /// @param epoch Assignment number; increments on every award, so results of earlier assignees are stale.
    /// @param reroutes Assignments that ended without a result.
    /// @param round Auction round, from 0; at most maxRounds - 1.
    /// @param fallbackCursor Index in the fallback list of the next bid to try.
    /// @param fallbackCount Number of bids kept for this round (at most fallbackDepth).
    /// @param keeperReserve Keeper reserve still escrowed: keeperFee times the keeper calls the task
    /// may still pay for; zero once it is Completed or Refunded (the rest went back to the poster).
    struct Task {
        address poster;
        uint96 maxPrice;
        address provider;
        uint96 payment;
        bytes32 requirementsHash;
        bytes16 region;
        uint40 bidWindowEnd;
        uint40 deadline;
        uint32 executionBudget;
        Mechanism mechanism;
        TaskStatus status;
        uint32 bidWindowLength;
        uint32 epoch;
        uint16 reroutes;
        uint8 round;
        uint8 fallbackCursor;
        uint8 fallbackCount;
        uint96 keeperReserve;
    }

    /// @notice A bid kept in a task's fallback list.
    struct Bid {
        address provider;
        uint96 price;
    }

    /// @notice A provider as stored.
    /// @param stake Slashable stake. stake + unbonding is at most 2^96 - 1.
    /// @param region Region the provider declares it runs in.
    /// @param capacity Assignments it accepts at once.
    /// @param unbonding Stake requested for withdrawal, paid by withdrawStake once ready.
    /// @param unbondingReadyAt When the unbonding stake may be withdrawn.
    /// @param activeAssignments Tasks currently awarded to it; each locks minStake of its stake.
    /// @param slashCount Times it was slashed.
    /// @param registered Whether it registered.
    /// @param slashedTotal Wei slashed from it over its life (256 bits: it cannot overflow).
    struct Provider {
        uint96 stake;
        bytes16 region;
        uint32 capacity;
        uint96 unbonding;
        uint40 unbondingReadyAt;
        uint32 activeAssignments;
        uint32 slashCount;
        bool registered;
        uint256 slashedTotal;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown by the constructor when a market parameter is out of range.
    /// @param field The parameter.
    /// @param value The value given.
    error InvalidConfig(ConfigField field, uint256 value);

    /// @notice Thrown when a call that carries value is given none.
    error ZeroAmount();

    /// @notice Thrown when an amount does not fit the market's accounting: an escrow above 2^88 - 1
    /// (postTask), or a stake that would take stake + unbonding above 2^96 - 1 (registerProvider,
    /// addStake).
    /// @param amount The escrow given (postTask), the stake given (registerProvider), or the
    /// provider's stake + unbonding + the amount given (addStake).
    error AmountTooLarge(uint256 amount);

    /// @notice Thrown when an account registers twice.
    /// @param provider The account.
    error ProviderAlreadyRegistered(address provider);

    /// @notice Thrown when a provider-only function is called by an unregistered account.
    /// @param account The caller.
    error ProviderNotRegistered(address account);

    /// @notice Thrown when a provider's stake is below what the action needs.
    /// @param provider The provider.
    /// @param stake Its stake (or the amount offered at registration).
    /// @param required The stake needed.
    error InsufficientStake(address provider, uint256 stake, uint256 required);

    /// @notice Thrown when a region code is zero where a region is required.
    error InvalidRegion();

    /// @notice Thrown when a capacity of zero is declared.
    error InvalidCapacity();

    /// @notice Thrown when a withdrawal request exceeds the stake not locked by active assignments.
    /// @param provider The provider.
    /// @param requested The amount requested.
    /// @param unlocked The stake that may leave now.
    error StakeLocked(address provider, uint256 requested, uint256 unlocked);

    /// @notice Thrown when unbonding stake is withdrawn before its delay has passed.
    /// @param provider The provider.
    /// @param readyAt When it may be withdrawn.
    /// @param nowTs The current block timestamp.
    error UnbondingNotFinished(address provider, uint256 readyAt, uint256 nowTs);

    /// @notice Thrown when an account with nothing owed tries to withdraw.
    /// @param account The caller.
    error NothingToWithdraw(address account);

    /// @notice Thrown when a payee re-enters withdraw or withdrawStake while being paid.
    error ReentrantCall();

    /// @notice Thrown when sending ether to an account fails.
    /// @param to The recipient.
    /// @param amount The amount.
    error TransferFailed(address to, uint256 amount);

    /// @notice Thrown when a task's escrow does not exceed the keeper reserve: it leaves no maxPrice.
    /// @param value The escrow given (msg.value).
    /// @param reserve The keeper reserve every task escrows (keeperReserve()).
    error EscrowBelowKeeperReserve(uint256 value, uint256 reserve);

    /// @notice Thrown when a task is posted with a bid window that has already ended.
    /// @param bidWindowEnd The end given.
    /// @param nowTs The current block timestamp.
    error BidWindowInPast(uint256 bidWindowEnd, uint256 nowTs);

    /// @notice Thrown when a bid window is longer than a uint32 of seconds.
    /// @param length The window length given.
    error BidWindowTooLong(uint256 length);

    /// @notice Thrown when a task is posted with an execution budget of zero.
    error InvalidExecutionBudget();

    /// @notice Thrown when a task id was never posted.
    /// @param taskId The id.
    error TaskNotFound(uint256 taskId);

    /// @notice Thrown when a task is not in the state the call needs.
    /// @param taskId The task.
    /// @param expected The state needed.
    /// @param actual The task's state.
    error InvalidTaskStatus(uint256 taskId, TaskStatus expected, TaskStatus actual);

    /// @notice Thrown when someone other than the poster cancels a task.
    /// @param taskId The task.
    /// @param caller The caller.
    /// @param poster The poster.
    error NotTaskPoster(uint256 taskId, address caller, address poster);

    /// @notice Thrown when the poster cancels a task that already has bids this round.
    /// @param taskId The task.
    /// @param bids Bids kept this round.
    error TaskHasBids(uint256 taskId, uint256 bids);

    /// @notice Thrown when a bid arrives at or after the end of the bid window.
    /// @param taskId The task.
    /// @param bidWindowEnd End of the window.
    /// @param nowTs The current block timestamp.
    error BiddingClosed(uint256 taskId, uint256 bidWindowEnd, uint256 nowTs);

    /// @notice Thrown when an auction is closed before its bid window has ended.
    /// @param taskId The task.
    /// @param bidWindowEnd End of the window.
    /// @param nowTs The current block timestamp.
    error BiddingStillOpen(uint256 taskId, uint256 bidWindowEnd, uint256 nowTs);

    /// @notice Thrown when a bid's price is zero.
    /// @param taskId The task.
    error ZeroBidPrice(uint256 taskId);

    /// @notice Thrown when a bid's price exceeds the task's maximum.
    /// @param taskId The task.
    /// @param price The bid.
    /// @param maxPrice The task's maximum price.
    error BidAboveMaxPrice(uint256 taskId, uint256 price, uint256 maxPrice);

    /// @notice Thrown when a provider bids on a task outside its region.
    /// @param taskId The task.
    /// @param required The task's region.
    /// @param actual The provider's region.
    error RegionMismatch(uint256 taskId, bytes16 required, bytes16 actual);

    /// @notice Thrown when a provider bids twice on a task in one round.
    /// @param taskId The task.
    /// @param provider The provider.
    /// @param round The round.
    error DuplicateBid(uint256 taskId, address provider, uint8 round);

    /// @notice Thrown when a provider that already failed a task bids on it again.
    /// @param taskId The task.
    /// @param provider The provider.
    error ProviderFailedTask(uint256 taskId, address provider);

    /// @notice Thrown when a batch's arrays differ in length.
    /// @param taskIds Length of the task id array.
    /// @param prices Length of the price array.
    error LengthMismatch(uint256 taskIds, uint256 prices);

    /// @notice Thrown when a result names an assignment epoch that is not the current one.
    /// @param taskId The task.
    /// @param given The epoch given.
    /// @param current The current epoch.
    error StaleEpoch(uint256 taskId, uint32 given, uint32 current);

    /// @notice Thrown when someone other than the current assignee submits or abandons.
    /// @param taskId The task.
    /// @param caller The caller.
    /// @param assignee The current assignee.
    error NotAssignedProvider(uint256 taskId, address caller, address assignee);

    /// @notice Thrown when a result, or an abandon, arrives after the assignment's deadline.
    /// @param taskId The task.
    /// @param deadline The deadline.
    /// @param nowTs The current block timestamp.
    error DeadlinePassed(uint256 taskId, uint256 deadline, uint256 nowTs);

    /// @notice Thrown when a task is rerouted before its assignee's deadline has passed.
    /// @param taskId The task.
    /// @param deadline The deadline.
    /// @param nowTs The current block timestamp.
    error DeadlineNotPassed(uint256 taskId, uint256 deadline, uint256 nowTs);

    // ---------------------------------------------------------------- events

    /// @notice A provider registered.
    /// @param provider The provider.
    /// @param region Its region.
    /// @param capacity Assignments it accepts at once.
    /// @param stake Its initial stake.
    event ProviderRegistered(address indexed provider, bytes16 region, uint32 capacity, uint256 stake);

    /// @notice A provider added stake.
    /// @param provider The provider.
    /// @param amount Stake added.
    /// @param stake Stake after the top-up.
    event StakeAdded(address indexed provider, uint256 amount, uint256 stake);

    /// @notice A provider changed its capacity.
    /// @param provider The provider.
    /// @param capacity The new capacity.
    event CapacityUpdated(address indexed provider, uint32 capacity);

    /// @notice A provider asked for stake back; it moved from stake to unbonding.
    /// @param provider The provider.
    /// @param amount Amount requested now.
    /// @param unbonding Total unbonding after this request.
    /// @param readyAt When the unbonding total may be withdrawn.
    event StakeWithdrawalRequested(address indexed provider, uint256 amount, uint256 unbonding, uint256 readyAt);

    /// @notice Unbonded stake was paid out.
    /// @param provider The provider.
    /// @param amount Amount paid.
    event StakeWithdrawn(address indexed provider, uint256 amount);

    /// @notice A task was posted and its escrow locked: maxPrice + keeperReserve (msg.value).
    /// @param taskId The task.
    /// @param poster The poster.
    /// @param maxPrice Maximum bid, and what the escrow holds for the provider's payment.
    /// @param keeperReserve Escrowed on top of maxPrice to pay keepers (keeperReserve()).
    /// @param requirementsHash Hash of the off-chain description.
    /// @param region Required region, or zero for any.
    /// @param bidWindowEnd End of the first bid window.
    /// @param executionBudget Seconds an assignee gets.
    /// @param mechanism Auction pricing rule.
    event TaskPosted(
        uint256 indexed taskId,
        address indexed poster,
        uint256 maxPrice,
        uint256 keeperReserve,
        bytes32 requirementsHash,
        bytes16 region,
        uint256 bidWindowEnd,
        uint256 executionBudget,
        Mechanism mechanism
    );

    /// @notice A provider bid on a task. Every bid is recorded here, kept as a fallback or not.
    /// @param taskId The task.
    /// @param provider The bidder.
    /// @param price The bid.
    /// @param round The auction round.
    event BidPlaced(uint256 indexed taskId, address indexed provider, uint256 price, uint8 round);

    /// @notice A task was assigned to a provider, by closeAuction or by a reroute to a fallback.
    /// @param taskId The task.
    /// @param provider The assignee.
    /// @param bidPrice The assignee's bid.
    /// @param payment What the assignee will be paid on a result.
    /// @param epoch The new assignment epoch.
    /// @param deadline When the assignee's time runs out.
    event TaskAwarded(
        uint256 indexed taskId,
        address indexed provider,
        uint256 bidPrice,
        uint256 payment,
        uint32 epoch,
        uint256 deadline
    );

    /// @notice A fallback bid was passed over during (re)assignment.
    /// @param taskId The task.
    /// @param provider The bidder passed over.
    /// @param reason Why.
    event FallbackSkipped(uint256 indexed taskId, address indexed provider, SkipReason reason);

    /// @notice An assignment ended without a result; what happens next follows as TaskAwarded,
    /// TaskReopened or TaskRefunded.
    /// @param taskId The task.
    /// @param provider The assignee that failed.
    /// @param epoch The epoch that failed.
    /// @param reason Missed deadline or abandoned.
    /// @param caller Who triggered the reroute.
    event TaskRerouted(
        uint256 indexed taskId,
        address indexed provider,
        uint32 epoch,
        FailureReason reason,
        address caller
    );

    /// @notice A provider's stake was cut and credited to the poster of the task it failed.
    /// @param provider The provider.
    /// @param taskId The task it failed.
    /// @param amount Wei slashed.
    /// @param poster Who was credited.
    event ProviderSlashed(address indexed provider, uint256 indexed taskId, uint256 amount, address poster);

    /// @notice A task went back to bidding in a new round.
    /// @param taskId The task.
    /// @param round The new round.
    /// @param bidWindowEnd End of its bid window.
    event TaskReopened(uint256 indexed taskId, uint8 round, uint256 bidWindowEnd);

    /// @notice The assignee delivered; it was credited its payment and the poster the unused escrow.
    /// @param taskId The task.
    /// @param provider The assignee.
    /// @param epoch The assignment epoch.
    /// @param resultHash Hash of the result.
    /// @param payment Credited to the provider.
    /// @param posterRefund Credited to the poster: maxPrice - payment, plus the keeper reserve left.
    event ResultSubmitted(
        uint256 indexed taskId,
        address indexed provider,
        uint32 epoch,
        bytes32 resultHash,
        uint256 payment,
        uint256 posterRefund
    );

    /// @notice The whole remaining escrow was credited back to the poster.
    /// @param taskId The task.
    /// @param poster The poster.
    /// @param amount Wei credited: maxPrice plus the keeper reserve left.
    /// @param reason Why.
    event TaskRefunded(uint256 indexed taskId, address indexed poster, uint256 amount, RefundReason reason);

    /// @notice A keeper was credited its fee, from the task's keeper reserve, for a closeAuction or a
    /// reroute after a missed deadline. Emitted only when keeperFee is nonzero, before the events of
    /// what the call did to the task.
    /// @param taskId The task.
    /// @param keeper The caller, credited.
    /// @param amount Wei credited (keeperFee).
    event KeeperPaid(uint256 indexed taskId, address indexed keeper, uint256 amount);

    /// @notice An account withdrew its credits.
    /// @param account The account.
    /// @param amount Wei paid.
    event Withdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- providers

    /// @notice Register the caller as a provider, staking msg.value (at least minStake, at most 2^96 - 1).
    function registerProvider(bytes16 region, uint32 capacity) external payable;

    /// @notice Add msg.value to the caller's stake.
    /// @dev Reverts AmountTooLarge(stake + unbonding + msg.value) when that sum exceeds 2^96 - 1.
    function addStake() external payable;

    /// @notice Change the caller's capacity (assignments at once).
    function updateCapacity(uint32 capacity) external;

    /// @notice Move `amount` of unlocked stake to unbonding; it may be withdrawn after unbondingDelay.
    /// A new request adds to the unbonding total and restarts the delay.
    function requestStakeWithdrawal(uint256 amount) external;

    /// @notice Pay out the caller's unbonding stake once its delay has passed.
    function withdrawStake() external;

    // ---------------------------------------------------------------- tasks

    /// @notice Post a task, escrowing msg.value: its maximum price (msg.value - keeperReserve()) plus
    /// the keeper reserve, which pays keepers for closing its auctions and rerouting it. What is left
    /// of the reserve when the task ends goes back to the poster with the unused maxPrice.
    /// @dev Reverts ZeroAmount for no value, EscrowBelowKeeperReserve(msg.value, keeperReserve()) when
    /// msg.value does not exceed the reserve, AmountTooLarge(msg.value) when msg.value exceeds 2^88 - 1:
    /// kept bids store prices in 88 bits. The poster also pays for the storage of the task's fallback
    /// list, so that bids only update it.
    /// @return taskId The new task's id (ids start at 1).
    function postTask(
        bytes32 requirementsHash,
        bytes16 region,
        uint256 bidWindowEnd,
        uint32 executionBudget,
        Mechanism mechanism
    ) external payable returns (uint256 taskId);

    /// @notice Poster only: cancel an Open task that has no bids this round, for a full refund.
    function cancelTask(uint256 taskId) external;

    /// @notice Bid `price` on an Open task.
    function placeBid(uint256 taskId, uint256 price) external;

    /// @notice Bid on many tasks in one transaction; all or nothing.
    function placeBids(uint256[] calldata taskIds, uint256[] calldata prices) external;

    /// @notice Anyone: after the bid window, award the best eligible bid, or re-auction, or refund.
    /// The caller is credited keeperFee from the task's keeper reserve, whatever the outcome.
    function closeAuction(uint256 taskId) external;

    /// @notice Anyone: closeAuction for each id; all or nothing. The caller is credited keeperFee per task.
    function closeAuctions(uint256[] calldata taskIds) external;

    /// @notice Assignee only, before its deadline: deliver the result and settle the payment.
    function submitResult(uint256 taskId, uint32 epoch, bytes32 resultHash) external;

    /// @notice Anyone, after the assignee's deadline: slash it and move the task on. The caller is
    /// credited keeperFee from the task's keeper reserve.
    function reroute(uint256 taskId) external;

    /// @notice Anyone: reroute each id; all or nothing. The caller is credited keeperFee per task.
    function rerouteTasks(uint256[] calldata taskIds) external;

    /// @notice Assignee only, up to its deadline: give the task up now, for a smaller slash than a missed
    /// deadline. Checks, in order: the task is Awarded, the caller is the assignee (NotAssignedProvider),
    /// the deadline has not passed (DeadlinePassed): past it, the task can only be rerouted, at the full slash.
    /// No keeper fee is paid.
    function abandonTask(uint256 taskId) external;

    /// @notice Pay out the caller's credits (payments, refunds, slashes received, keeper fees).
    function withdraw() external;

    // ---------------------------------------------------------------- views

    /// @notice The market parameters.
    function config() external view returns (MarketConfig memory);

    /// @notice The keeper reserve every task escrows on top of its maxPrice:
    /// keeperFee * maxRounds * (fallbackDepth + 1).
    function keeperReserve() external view returns (uint256);

    /// @notice A task; reverts TaskNotFound for an unknown id.
    function getTask(uint256 taskId) external view returns (Task memory);

    /// @notice The bids kept for the task's current round, best first.
    function getFallbacks(uint256 taskId) external view returns (Bid[] memory);

    /// @notice A provider (all zero if not registered).
    function getProvider(address provider) external view returns (Provider memory);

    /// @notice Stake the provider may request back now (stake not locked by active assignments).
    function unlockedStake(address provider) external view returns (uint256);

    /// @notice Wei the account may withdraw.
    function creditOf(address account) external view returns (uint256);

    /// @notice Number of tasks posted; the last id.
    function taskCount() external view returns (uint256);

    /// @notice Escrow held for tasks that are neither Completed nor Refunded, their keeper reserves included.
    function totalEscrow() external view returns (uint256);

    /// @notice Credits owed to all accounts.
    function totalCredits() external view returns (uint256);

    /// @notice Stake plus unbonding stake of all providers.
    function totalStaked() external view returns (uint256);
}
