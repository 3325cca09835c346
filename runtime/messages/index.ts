// Signed, reliable messages between nodes (see messenger.ts for the JML side).
export { Messenger, type MessengerOptions } from './messenger.ts';
export { type Envelope, MAX_MESSAGE_BODY, parseEnvelope, Refusal, seal, signedText, verifyEnvelope } from './envelope.ts';
export { baseUrl } from './peers.ts';
