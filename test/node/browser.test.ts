// A real browser against a real web node: playwright-core driving Debian's
// chromium (never a downloaded one) through the pages a user clicks, on the
// node:http server and on the Bun.serve one. No page may log a script error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, RUN, sleep, tempDir } from './util.ts';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const MISSING = `${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install -y chromium, or run .ci/run)`;

const procs = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of procs) p.kill('SIGKILL');
});


/** `./run [--bun] -w PORT` in dir; resolves once it says it serves. */
async function startServer(kind: 'node' | 'bun', dir: string): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  const args = [...(kind === 'bun' ? ['--bun'] : []), '-w', String(port)];
  const proc = spawn(RUN, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(proc);
  let stderr = '';
  let exited = false;
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (t: string) => (stderr += t));
  proc.on('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes(`Magni web node on http://127.0.0.1:${port}/`)) {
    if (exited || Date.now() > deadline) throw new Error(`./run ${args.join(' ')} did not start: ${stderr}`);
    await sleep(20);
  }
  return { base: `http://127.0.0.1:${port}`, proc };
}

/** Stop a `./run` process and (for --bun) the Bun server it started. */
function stopServer(proc: ChildProcess): void {
  try {
    const kids = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const k of kids) process.kill(Number(k), 'SIGTERM');
  } catch {}
  proc.kill('SIGTERM');
}

function browserSuite(kind: 'node' | 'bun') {
  const t = suite(`browser on the ${kind} server`);
  const s = {} as { key: string; base: string; proc: ChildProcess; context: BrowserContext; page: Page; problems: string[]; expected404: Set<string> };

  t.before(async () => {
    const dir = tempDir('magni-browser-test-');
    const k = spawnSync(RUN, ['key'], { cwd: dir, encoding: 'utf8' });
    s.key = k.stdout.trim();
    Object.assign(s, await startServer(kind, dir));
    s.problems = [];
    s.expected404 = new Set();
    if (!existsSync(CHROMIUM)) return;
    s.context = await chromium.launchPersistentContext(tempDir('magni-chromium-profile-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    s.page = s.context.pages()[0] || (await s.context.newPage());
    s.page.setDefaultTimeout(15_000);
    s.page.on('pageerror', (e) => s.problems.push('page error: ' + e.message));
    s.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium logs a page served with a 404 as a failed load: fine where a 404 is the point.
      if (/status of 404/.test(m.text()) && s.expected404.has(m.location().url)) return;
      s.problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
  });

  t.after(async () => {
    await s.context?.close();
    if (s.proc) stopServer(s.proc);
  });

  const need = () => assert.ok(s.page, MISSING);

  t(`chromium is installed at ${CHROMIUM}`, () => {
    assert.ok(existsSync(CHROMIUM), MISSING);
    assert.ok(s.page, 'the browser did not start');
  });

  t('open /: the home page does not exist yet and offers to create it', async () => {
    need();
    s.expected404.add(s.base + '/');
    const r = await s.page.goto(s.base + '/');
    assert.is(r?.status(), 404);
    assert.match(await s.page.locator('main').innerText(), /There is no page Home yet/);
    assert.is(await s.page.locator('main a', { hasText: 'Create it' }).getAttribute('href'), '/edit/Home');
  });

  t('log in as the owner with the key', async () => {
    need();
    await s.page.click('nav >> text=Log in');
    assert.is(new URL(s.page.url()).pathname, '/login');
    await s.page.fill('input[name=key]', s.key);
    await Promise.all([s.page.waitForURL(s.base + '/'), s.page.click('main button')]);
    assert.ok(await s.page.locator('nav >> text=Log out').isVisible(), 'the nav offers Log out');
    const cookies = await s.context.cookies(s.base);
    const session = cookies.find((c) => c.name === 'magni_session');
    assert.ok(session, 'a session cookie');
    assert.ok(session!.httpOnly, 'HttpOnly');
    assert.is(session!.sameSite, 'Strict');
  });

  t('create a page, preview it, save it, see it rendered', async () => {
    need();
    await s.page.click('main >> text=Create it');
    assert.is(new URL(s.page.url()).pathname, '/edit/Home');
    const source = '=Welcome=\nThis is __bold__ and //italic//, see {{Other}}.\n\n- first\n- second';
    await s.page.fill('textarea[name=text]', source);
    await s.page.click('button[value=preview]');
    assert.is(await s.page.locator('main article b').first().innerText(), 'bold');
    assert.is(await s.page.inputValue('textarea[name=text]'), source);
    await Promise.all([s.page.waitForURL(s.base + '/wiki/Home'), s.page.click('button[value=save]')]);
    assert.is(await s.page.locator('article h1').innerText(), 'Welcome');
    assert.is(await s.page.locator('article b').innerText(), 'bold');
    assert.is(await s.page.locator('article i').innerText(), 'italic');
    assert.is(await s.page.locator('article a').getAttribute('href'), '/wiki/Other');
    assert.equal(await s.page.locator('article li').allInnerTexts(), ['first', 'second']);
    const home = await s.page.goto(s.base + '/');
    assert.is(home?.status(), 200);
    assert.is(await s.page.locator('article h1').innerText(), 'Welcome');
  });

  t('define a public macro with the owner form on /help', async () => {
    need();
    await s.page.goto(s.base + '/help');
    await s.page.fill('input[name=name]', '/greet');
    await s.page.fill('input[name=formals]', '$name @note');
    await s.page.fill('textarea[name=body]', 'Hello, $name! (@note)');
    await Promise.all([s.page.waitForURL(/\/func\//), s.page.click('main button:has-text("Define")')]);
    assert.match(await s.page.locator('main').innerText(), /Hello, \$name! \(@note\)/);
  });

  t('fill the /api form of the macro and see the result, its input shown as text', async () => {
    need();
    await s.page.goto(s.base + '/api');
    const f = s.page.locator('form[action="/greet"]');
    await f.locator('input[name=name]').fill('World<b>&');
    await f.locator('textarea[name=note]').fill('a [fac 5] note');
    await Promise.all([s.page.waitForURL(s.base + '/greet'), f.locator('button').click()]);
    assert.is(await s.page.locator('main div').innerText(), 'Hello, World<b>&! (a [fac 5] note)');
    assert.is(await s.page.locator('main div b').count(), 0, 'no markup from the input');
  });

  t('log out: the owner links go', async () => {
    need();
    await Promise.all([s.page.waitForURL(s.base + '/'), s.page.click('nav >> text=Log out')]);
    assert.ok(await s.page.locator('nav >> text=Log in').isVisible());
  });

  t('no page showed a script error or logged a console error', () => {
    need();
    assert.equal(s.problems, []);
  });

  t.run();
}

browserSuite('node');
browserSuite('bun');
