// A task's state as its events leave it: the contract's state machine, read forwards. Every
// reader of tasks folds events through applyTaskEvent (the history fold, the simulation's
// view of the chain), so the rule for what each event does to a task is written once.
import type { Address } from "./actions.js";
import type { MarketEvent } from "./events.js";
import type { TaskStatusName } from "./enums.js";

export type TaskPostedEvent = Extract<MarketEvent, { name: "TaskPosted" }>;

/** What the contract holds of a task's progress. */
export interface TaskState {
  readonly taskId: number;
  status: Exclude<TaskStatusName, "None">;
  /** The auction round: 0 for the first auction, + 1 per re-auction. */
  round: number;
  /** End (chain seconds) of the current round's bid window. */
  bidWindowEnd: number;
  /** Epoch and deadline (chain seconds) of the latest award; 0 before the first. */
  epoch: number;
  deadline: number;
  /** Awarded: the provider it is assigned to; Completed: the one who delivered. */
  assignee: Address | undefined;
}

/** A task as TaskPosted opens it. */
export function postedTask(posted: TaskPostedEvent): TaskState {
  return { taskId: posted.taskId, status: "Open", round: 0, bidWindowEnd: posted.bidWindowEnd, epoch: 0, deadline: 0, assignee: undefined };
}

/**
 * Moves a task on by one of its events. A reroute leaves the task Open until the event that
 * follows it in the same transaction: the next fallback's award, a re-auction or a refund.
 */
export function applyTaskEvent(task: TaskState, event: MarketEvent): void {
  switch (event.name) {
    case "TaskAwarded":
      task.status = "Awarded";
      task.epoch = event.epoch;
      task.deadline = event.deadline;
      task.assignee = event.provider;
      break;
    case "TaskRerouted":
      task.status = "Open";
      task.assignee = undefined;
      break;
    case "TaskReopened":
      task.status = "Open";
      task.round = event.round;
      task.bidWindowEnd = event.bidWindowEnd;
      task.assignee = undefined;
      break;
    case "ResultSubmitted":
      task.status = "Completed";
      task.assignee = event.provider;
      break;
    case "TaskRefunded":
      task.status = "Refunded";
      task.assignee = undefined;
      break;
    default:
      break;
  }
}
