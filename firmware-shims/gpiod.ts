// GPIO inputs and outputs through the GPIO character device, by Debian's
// gpiod tools (gpioget, gpioset; gpiofind on libgpiod 1): Node has no ioctl,
// and the tools speak the character device for us. Lines are named as the
// kernel names them (GPIO17 on a Raspberry Pi) or as CHIP:OFFSET
// (gpiochip0:17); never by the old sysfs numbers, which moved on recent
// Raspberry Pi kernels.
//
// An input is read with gpioget. An output is held by a gpioset process
// (a line driven through the character device keeps its value only while
// someone holds it); a new value replaces that process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { deviceSensors, type SensorInfo, type SensorSource } from '../runtime/sensors/model.ts';

type Line = { chip?: string; offset?: string; name?: string };

/** gpiochip0:17 is a chip and an offset; anything else a line name. */
export function parseLine(spec: string): Line {
  const m = /^([A-Za-z0-9_.-]+):(\d{1,4})$/.exec(spec);
  return m ? { chip: m[1], offset: m[2] } : { name: spec };
}

const run = (cmd: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 5_000, maxBuffer: 64 * 1024 }, (e, stdout, stderr) => {
      if (!e) return resolve(String(stdout));
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed (the gpiod tools: apt-get install gpiod)` : String(stderr).trim() || e.message;
      reject(new Error(why));
    }),
  );

/** 0 or 1 from what gpioget printed: `1`, or libgpiod 2's `"GPIO17"=active`. */
export function parseGpioget(out: string): number {
  const t = out.trim();
  if (/^[01]$/.test(t)) return +t;
  if (/=active$/.test(t)) return 1;
  if (/=inactive$/.test(t)) return 0;
  throw new Error(`gpioget said ${JSON.stringify(t.slice(0, 60))}`);
}

export function gpiodSensors(inputs: [string, string][], outputs: [string, string][], log: (line: string) => void): SensorSource {
  let major: Promise<number> | null = null;
  /** libgpiod's major version (1 or 2): the tools' arguments differ. */
  const version = (): Promise<number> =>
    (major ||= run('gpioget', ['--version']).then((out) => {
      const m = /v(\d+)\./.exec(out);
      return m ? +m[1] : 2;
    }));
  /** [chip, offset] for libgpiod 1, which finds a named line with gpiofind. */
  const chipOffset = async (l: Line): Promise<[string, string]> => {
    if (l.chip) return [l.chip, l.offset!];
    const found = (await run('gpiofind', [l.name!])).trim().split(/\s+/);
    if (found.length !== 2) throw new Error(`gpiofind ${l.name}: no such line`);
    return [found[0], found[1]];
  };
  const where = async (l: Line, v1: (c: string, o: string) => string[], v2: string[]): Promise<string[]> =>
    (await version()) >= 2 ? [...(l.chip ? ['-c', l.chip, l.offset!] : [l.name!]), ...v2] : v1(...(await chipOffset(l)));

  const lines = new Map<string, Line>();
  const info: SensorInfo[] = [];
  for (const [name, spec] of inputs) {
    lines.set(name, parseLine(spec));
    info.push(...deviceSensors(name, [{ kind: 'switch' }]));
  }
  /** Each output: its value, the gpioset holding it, and the changes in turn (one at a time). */
  const held = new Map<string, { value: number; proc: ChildProcess | null; turn: Promise<void> }>();
  for (const [name, spec] of outputs) {
    lines.set(name, parseLine(spec));
    info.push(...deviceSensors(name, [{ kind: 'output' }]));
    held.set(name, { value: 0, proc: null, turn: Promise.resolve() });
  }
  process.once('exit', () => {
    for (const h of held.values()) h.proc?.kill('SIGTERM');
  });

  const readInput = async (name: string): Promise<number> => {
    const l = lines.get(name)!;
    const v2 = (await version()) >= 2;
    const args = v2 ? ['--numeric', ...(l.chip ? ['-c', l.chip, l.offset!] : [l.name!])] : await chipOffset(l);
    return parseGpioget(await run('gpioget', args));
  };

  /** Drive name's line to value: a new gpioset holds it, then the old one lets go. */
  const drive = async (name: string, value: number): Promise<void> => {
    const h = held.get(name)!;
    const l = lines.get(name)!;
    const old = h.proc;
    if (old) {
      // the line is requested by one process at a time: the old holder goes first
      h.proc = null;
      await new Promise<void>((done) => {
        old.once('exit', () => done());
        old.ref(); // wait for it, even if nothing else keeps this process going
        old.kill('SIGTERM');
      });
    }
    const args = await where(l, (c, o) => ['--mode=signal', c, `${o}=${value}`], []);
    if ((await version()) >= 2) args[args.length - 1] += '=' + value;
    const proc = spawn('gpioset', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-500)));
    // it holds the line until killed: one that ends at once has failed
    await new Promise<void>((resolve, reject) => {
      const settle = setTimeout(() => {
        proc.removeAllListeners('exit');
        proc.on('exit', (code) => h.proc === proc && log(`gpio: gpioset for ${name} ended (${code}): ${stderr.trim()}`));
        // it holds the line; it does not hold this process open (the exit hook below ends it)
        proc.stderr!.destroy();
        proc.unref();
        resolve();
      }, 150);
      proc.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(settle);
        reject(new Error(e.code === 'ENOENT' ? 'gpioset is not installed (the gpiod tools: apt-get install gpiod)' : e.message));
      });
      proc.once('exit', (code) => {
        clearTimeout(settle);
        reject(new Error(`gpioset ${args.join(' ')}: ${stderr.trim() || 'exited with ' + code}`));
      });
    });
    h.proc = proc;
    h.value = value;
  };
  const change = (name: string, value: number): Promise<void> => {
    const h = held.get(name)!;
    const p = h.turn.then(() => drive(name, value));
    h.turn = p.catch(() => {});
    return p;
  };
  // outputs start low: driven (and held) from the start
  for (const name of held.keys()) change(name, 0).catch((e: Error) => log(`gpio: ${name}: ${e.message}`));

  return {
    list: () => info.slice(),
    read: async (name) => {
      const h = held.get(name);
      if (h) return h.value;
      if (!lines.has(name)) throw new Error(`no sensor named ${name}`);
      return readInput(name);
    },
    write: async (name, value) => {
      if (!held.has(name)) throw new Error(`${name} is not an output`);
      await change(name, value ? 1 : 0);
    },
  };
}
