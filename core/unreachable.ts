/** For the `default:` of an exhaustive switch: a compile error when a case is missed. */
export function missingCase (value: never): never {
  throw new Error(`unhandled case: ${String(value)}`)
}
