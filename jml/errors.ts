// A JmlError inside a builtin becomes `%(ERROR:...)` text in place of the call
// (D3); a BudgetError ends the whole line.
export class JmlError extends Error {}
export class BudgetError extends JmlError {}
