// What the bundle's dependencies may expect and bare QuickJS lacks. The core
// itself never touches these (test/node/purity.test.ts); keep this tiny.
import { hostFromGlobals } from '../../firmware-shims/quickjs-host.ts';
import { utf8Decode, utf8Encode } from '../../jml/utf8.ts';

const g = globalThis as any;
if (!g.TextEncoder)
  g.TextEncoder = class {
    encoding = 'utf-8';
    encode(s = '') {
      return utf8Encode(String(s));
    }
  };
if (!g.TextDecoder)
  g.TextDecoder = class {
    encoding = 'utf-8';
    decode(b?: ArrayBuffer | ArrayBufferView) {
      if (!b) return '';
      return utf8Decode(ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));
    }
  };
const c = (g.crypto ||= {});
c.getRandomValues ||= <T extends ArrayBufferView>(a: T): T => {
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(hostFromGlobals().randomBytes(a.byteLength));
  return a;
};
if (!g.console) {
  const log = (...a: unknown[]) => hostFromGlobals().log(a.join(' '));
  g.console = { log, info: log, warn: log, error: log, debug: log };
}
