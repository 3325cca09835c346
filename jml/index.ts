// The JML language: text in, text out.
export { Interpreter, type InterpOptions, type DefinitionMeta } from './interp.ts';
export { Evaluation, type EvalOptions, type RunResult, type Ctx } from './evaluation.ts';
export * from './capabilities.ts';
export type { JmlHost } from './host.ts';
export { type MacroDef, definitionLine, extractDefinitions } from './macro.ts';
export { BUILTINS, IMPURE, lookup, isoTime, type Builtin } from './builtins.ts';
export { groups } from './help.ts';
export { unescapeOutput, quote, braces, words, headRest } from './text.ts';
export { JmlError, BudgetError } from './errors.ts';
