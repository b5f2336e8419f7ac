/**
 * Bad input from a person or a program: a flag, a field of a file or a request. The message
 * names the field and what is allowed. CLIs exit 2 on it; the API answers 400.
 */
export class InputError extends Error {
  override readonly name = "InputError";

  /** @param field The flag or field path, e.g. `rpc-url` or `workload.arrivals.rate`. */
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
