// The names of IComputeMarket's enums, in declaration order (the ABI carries them as uint8).
// test/protocol/enums.test.ts reads the compiled contract's AST and fails unless every enum of
// IComputeMarket is listed here member for member; test/chain/market-enums.test.ts ties the
// names to the contract's behaviour.

export const TASK_STATUS = ["None", "Open", "Awarded", "Completed", "Refunded"] as const;
export type TaskStatusName = (typeof TASK_STATUS)[number];

export const MECHANISM = ["FirstPrice", "SecondPrice"] as const;
export type MechanismName = (typeof MECHANISM)[number];

export const FAILURE_REASON = ["DeadlineMissed", "Abandoned"] as const;
export type FailureReasonName = (typeof FAILURE_REASON)[number];

export const SKIP_REASON = ["AtCapacity", "InsufficientFreeStake"] as const;
export type SkipReasonName = (typeof SKIP_REASON)[number];

/** Only InvalidConfig carries it: which constructor argument was out of range. */
export const CONFIG_FIELD = ["MinStake", "UnbondingDelay", "SlashBps", "AbandonSlashBps", "MaxRounds", "FallbackDepth", "KeeperFee"] as const;
export type ConfigFieldName = (typeof CONFIG_FIELD)[number];

export const REFUND_REASON = ["Cancelled", "NoBids", "FallbacksExhausted"] as const;
export type RefundReasonName = (typeof REFUND_REASON)[number];

/** The enum value's name, or a clear error for a value the contract never emits. */
export function enumName<T extends readonly string[]>(names: T, value: bigint | number): T[number] {
  const name = names[Number(value)];
  if (name === undefined) throw new RangeError(`enum value ${value} is out of range (0..${names.length - 1})`);
  return name;
}

/** An enum's `{ Name: index }` as numbers, each typed as its own index (`{ None: 0, Open: 1, ... }`). */
export type EnumNumbers<T extends readonly string[]> = {
  readonly [I in keyof T & `${number}` as T[I] & string]: I extends `${infer N extends number}` ? N : never;
};

/** An enum's `{ Name: index }` as bigints (`{ None: 0n, Open: 1n, ... }`), the type ethers decodes a uint8 to. */
export type EnumValues<T extends readonly string[]> = {
  readonly [I in keyof T & `${number}` as T[I] & string]: I extends `${infer N extends bigint}` ? N : never;
};

/** `{ Name: index }` as numbers: the values the contract stores, for the memory model and contract arguments. */
export function enumNumbers<T extends readonly string[]>(names: T): EnumNumbers<T> {
  // fromEntries types its result as a plain string record; the entries are exactly T's names and indices.
  return Object.fromEntries(names.map((name, i) => [name, i])) as EnumNumbers<T>;
}

/** `{ Name: index }` as bigints, the type getTask and decoded events return. */
export function enumValues<T extends readonly string[]>(names: T): EnumValues<T> {
  return Object.fromEntries(names.map((name, i) => [name, BigInt(i)])) as EnumValues<T>;
}
