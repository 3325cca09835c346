// A real browser against a real web node: playwright-core driving Debian's
// chromium (never a downloaded one) through the pages a user clicks, on the
// node:http server and on the Bun.serve one. No page may log a script error.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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
const MISSING = `${CHROMIUM} is missing: the browser test needs Debian's chromium (as root: apt-get update && apt-get install -y chromium; .ci/run does it)`;

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

/** Stop a `./run` process (it is the server itself: ./run execs Node or Bun). */
function stopServer(proc: ChildProcess): void {
  proc.kill('SIGTERM');
}

function browserSuite(kind: 'node' | 'bun') {
  const t = suite(`browser on the ${kind} server`);
  const s = {} as { key: string; base: string; proc: ChildProcess; context: BrowserContext; page: Page; problems: string[] };

  t.before(async () => {
    const dir = tempDir('magni-browser-test-');
    const k = spawnSync(RUN, ['key'], { cwd: dir, encoding: 'utf8' });
    s.key = k.stdout.trim();
    Object.assign(s, await startServer(kind, dir));
    s.problems = [];
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
      if (m.type() === 'error') s.problems.push(`console error: ${m.text()} (${m.location().url})`);
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

  t("open /: a fresh node welcomes, says how to log in and where the key is", async () => {
    need();
    const r = await s.page.goto(s.base + '/');
    assert.is(r?.status(), 200);
    assert.is(await s.page.locator('h1').innerText(), 'Welcome');
    assert.match(await s.page.locator('main').innerText(), /logs in with the node's key, which is in jml\.state\.key .*\.\/run key/s);
  });

  t('log in as the owner with the key', async () => {
    need();
    await s.page.click('nav >> text=Log in');
    assert.is(new URL(s.page.url()).pathname, '/login');
    assert.match(await s.page.locator('main').innerText(), /The key is in jml\.state\.key/);
    await s.page.fill('input[name=key]', s.key);
    await Promise.all([s.page.waitForURL(s.base + '/'), s.page.click('main button')]);
    assert.ok(await s.page.locator('nav >> text=Log out').isVisible(), 'the nav offers Log out');
    const cookies = await s.context.cookies(s.base);
    const session = cookies.find((c) => c.name === 'magni_' + new URL(s.base).port);
    assert.ok(session, 'a session cookie named for this node');
    assert.ok(session!.httpOnly, 'HttpOnly');
    assert.is(session!.sameSite, 'Strict');
    assert.ok(session!.expires > Date.now() / 1000, 'it expires');
  });

  t('create the home page, preview it, save it, see it rendered', async () => {
    need();
    await s.page.click('main >> text=Write the home page');
    assert.is(new URL(s.page.url()).pathname, '/edit/Home');
    const source = '=Welcome=\nThis is __bold__ and //italic//, see {{Other}}.\n\n- first\n- second';
    await s.page.fill('textarea[name=text]', source);
    await s.page.click('button[value=preview]');
    assert.is(await s.page.locator('main article b').first().innerText(), 'bold');
    assert.is(await s.page.inputValue('textarea[name=text]'), source);
    await Promise.all([s.page.waitForURL(s.base + '/wiki/Home'), s.page.click('button[value=save]')]);
    assert.is(await s.page.locator('article h2').innerText(), 'Welcome');
    assert.is(await s.page.locator('article b').innerText(), 'bold');
    assert.is(await s.page.locator('article i').innerText(), 'italic');
    const other = s.page.locator('article a');
    assert.is(await other.getAttribute('href'), '/wiki/Other');
    assert.is(await other.getAttribute('class'), 'missing', 'a link to a page that does not exist looks different');
    assert.equal(await s.page.locator('article li').allInnerTexts(), ['first', 'second']);
    const home = await s.page.goto(s.base + '/');
    assert.is(home?.status(), 200);
    assert.is(await s.page.locator('article h2').innerText(), 'Welcome');
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

  const PAGES = ['/', '/wiki/Home', '/edit/Home', '/list', '/history/Home', '/history/Home/1', '/api', '/help', '/func/%2Fgreet', '/login', '/run', '/greet/Ann/hi'];

  t('every page, at phone and at desktop width: one H1, nothing wider than the screen, the icon inline', async () => {
    need();
    for (const [width, height] of [[360, 740], [1280, 800]]) {
      await s.page.setViewportSize({ width, height });
      for (const path of PAGES) {
        const r = await s.page.goto(s.base + path);
        assert.is(r?.status(), 200, path);
        const m = await s.page.evaluate(() => ({
          h1: document.querySelectorAll('h1').length,
          scroll: document.documentElement.scrollWidth,
          view: window.innerWidth,
          icon: (document.querySelector('link[rel=icon]') as HTMLLinkElement | null)?.href.slice(0, 5),
        }));
        assert.is(m.h1, 1, `${path}: one H1`);
        assert.ok(m.scroll <= m.view, `${path} at ${width} px: ${m.scroll} px wide`);
        assert.is(m.icon, 'data:', `${path}: the icon is inline`);
      }
    }
  });

  t('dark mode follows the system (prefers-color-scheme)', async () => {
    need();
    const background = () => s.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await s.page.emulateMedia({ colorScheme: 'light' });
    await s.page.goto(s.base + '/help');
    assert.is(await background(), 'rgb(255, 255, 255)');
    await s.page.emulateMedia({ colorScheme: 'dark' });
    assert.is(await background(), 'rgb(22, 22, 22)');
    await s.page.emulateMedia({ colorScheme: null });
  });

  t('log out: the owner links go, and a visitor sees no Edit link', async () => {
    need();
    await s.page.goto(s.base + '/');
    await Promise.all([s.page.waitForURL(s.base + '/'), s.page.click('nav >> text=Log out')]);
    assert.ok(await s.page.locator('nav >> text=Log in').isVisible());
    assert.is(await s.page.locator('a[href="/edit/Home"]').count(), 0);
  });

  t('no page showed a script error or logged a console error', () => {
    need();
    assert.equal(s.problems, []);
  });

  t.run();
}

browserSuite('node');
browserSuite('bun');
