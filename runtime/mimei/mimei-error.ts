// The Mimei store's refusals all start with "mimei: ", so a user sees which
// part refused.
export const mimeiError = (why: string): Error => new Error('mimei: ' + why);
