// What an evaluation may do to the world. The owner's evaluations may do
// everything; an evaluation a visitor starts (a public macro, a public-wiki
// page, a message from an untrusted node) may do none of it, whatever the
// owner's macro does with the visitor's arguments. Quoting keeps visitor text
// readable; capabilities are what keep it from effects.
export type Capability =
  /** make definitions: [macro ...], data, message */
  | 'define'
  /** keep definitions: append them to the state log (without it they last for the evaluation only) */
  | 'state'
  /** reach other machines: wget, and later send, route, sync */
  | 'network'
  /** load code: decrypt-eval and encrypt-eval */
  | 'code'
  /** drive outputs: GPIO, MQTT publish */
  | 'outputs';

export type Capabilities = ReadonlySet<Capability>;

/** Everything: the owner's evaluations. */
export const OWNER: Capabilities = new Set<Capability>(['define', 'state', 'network', 'code', 'outputs']);
export const VISITOR: Capabilities = new Set<Capability>();
/** Trying a page or program out: definitions last for the evaluation, nothing leaves it. */
export const PREVIEW: Capabilities = new Set<Capability>(['define']);
