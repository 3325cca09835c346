// The JML language: text in, text out.
export { Interpreter, type InterpOptions, type RunResult, type Ctx } from './interp.ts';
export type { JmlHost } from './host.ts';
export { type MacroDef, definitionLine, extractDefinitions } from './macro.ts';
export { BUILTINS, lookup, isoTime } from './builtins.ts';
export { EXAMPLES, GROUPS } from './help.ts';
export { unescapeOutput, quote, braces, words, headRest } from './text.ts';
export { JmlError, BudgetError } from './errors.ts';
