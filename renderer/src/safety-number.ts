/** libsignal shows a safety number as 12 groups of 5 digits; so do we, so both sides compare alike. */
export const SAFETY_NUMBER_GROUP_LENGTH = 5

export function groupSafetyNumber (digits: string): string[] {
  const groups: string[] = []
  for (let i = 0; i < digits.length; i += SAFETY_NUMBER_GROUP_LENGTH) {
    groups.push(digits.slice(i, i + SAFETY_NUMBER_GROUP_LENGTH))
  }
  return groups
}
