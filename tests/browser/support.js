'use strict';
/**
 * Browser-test support: Debian's chromium driven by playwright-core, screenshots under
 * test-artifacts/screenshots, and the demo (scripts/demo.js, what `make demo` runs) started
 * as a user starts it, with its own ports and directory.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');
const h = require('../../scripts/lib/stack');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOTS = path.join(h.ARTIFACTS, 'screenshots');
const DEMO_DIR = path.join(h.ARTIFACTS, 'nr-demo');

/**
 * Headless chromium with a fresh profile (playwright-core gives each launch its own user-data-dir).
 */
async function launchBrowser() {
    if (!fs.existsSync(CHROMIUM)) {
        execFileSync(path.join(h.ROOT, 'scripts', 'ensure-chromium.sh'), { stdio: 'inherit' });
    }
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
}

/**
 * A page that records uncaught exceptions (our editor code must not throw) - the only
 * console noise allowed is the editor's attempt to reach the public node catalogue, which this
 * offline machine cannot resolve.
 */
async function openPage(browser, url) {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.pageErrors = [];
    page.on('pageerror', (err) => page.pageErrors.push(err.message));
    page.setDefaultTimeout(30000);
    await page.goto(url);
    return page;
}

async function screenshot(target, name, options = {}) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await target.screenshot({ ...options, path: file });
    return file;
}

/** Processes whose command line contains every one of `parts` (ours: the demo's worker...). */
function processesWith(...parts) {
    const found = [];
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        let cmdline;
        try {
            cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        } catch {
            continue;
        }
        if (parts.every((p) => cmdline.includes(p))) found.push(Number(pid));
    }
    return found;
}

/**
 * `make demo` with its own ports and directory (DEMO_ARGS), in its own process group like a
 * terminal's foreground job, so `ctrlC()` sends SIGINT to make and the demo together.
 * Resolves when the demo prints its dashboard URL.
 */
async function startDemo({
    name = 'demo',
    viaMake = true,
    dir = DEMO_DIR,
    makeVars = [],
    extraArgs = [],
} = {}) {
    const uiPort = await h.freePort();
    const workerBind = `tcp://127.0.0.1:${await h.freePort()}`;
    const simControl = `tcp://127.0.0.1:${await h.freePort()}`;
    const args = [
        '--dir',
        dir,
        '--ui-port',
        String(uiPort),
        '--worker-bind',
        workerBind,
        '--sim-control',
        simControl,
        ...extraArgs,
    ];
    const started = Date.now();
    const child = viaMake
        ? h.spawnLogged(
              name,
              'make',
              ['--no-print-directory', 'demo', ...makeVars, `DEMO_ARGS=${args.join(' ')}`],
              { keepStdout: true, detached: true },
          )
        : h.spawnLogged(
              name,
              process.execPath,
              [path.join(h.ROOT, 'scripts', 'demo.js'), ...args],
              { keepStdout: true, detached: true },
          );
    const output = [];
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
        output.push(line);
        fs.appendFileSync(child.logFile, `${line}\n`);
    });
    const demo = {
        child,
        output,
        uiPort,
        workerBind,
        simControl,
        dir,
        lockFile: path.join(dir, 'demo.lock'),
    };
    demo.ctrlC = () => process.kill(-child.pid, 'SIGINT');
    demo.ready = (async () => {
        // the first start installs Node-RED and the dashboard: allow for a slow registry
        const deadline = Date.now() + 10 * 60e3;
        let line;
        while (!(line = output.find((l) => l.includes('dashboard: ')))) {
            if (child.exitCode !== null || child.signalCode !== null) {
                throw new Error(
                    `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output.join('\n')}`,
                );
            }
            if (Date.now() > deadline)
                throw new Error(`${name} printed no dashboard URL in 10 minutes`);
            await h.sleep(200);
        }
        return line.split('dashboard: ')[1].trim();
    })().then((dashboard) => {
        demo.dashboard = dashboard;
        demo.editor = `http://127.0.0.1:${uiPort}/`;
        demo.startupMs = Date.now() - started;
        demo.lock = JSON.parse(fs.readFileSync(demo.lockFile, 'utf8'));
        return demo;
    });
    demo.ready.catch(() => {}); // a start expected to be refused is never awaited
    return demo;
}

/**
 * After a suite: close the browser, Ctrl-C the demo if it still runs, stop what the harness
 * started.
 */
async function closeAll({ browser, demo }) {
    if (browser) await browser.close();
    if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
        demo.ctrlC();
        await demo.child.exited;
    }
    await h.stopAll();
}

/** Wait until the dashboard's ui-text with class `css` shows a value matching `pattern`. */
function dashboardText(page, css, pattern, timeout = 120000) {
    return page
        .locator(`.${css} .nrdb-ui-text-value`)
        .filter({ hasText: pattern })
        .waitFor({ timeout });
}

module.exports = {
    dashboardText,
    launchBrowser,
    openPage,
    screenshot,
    processesWith,
    alive: h.pidAlive,
    startDemo,
    closeAll,
    SCREENSHOTS,
    DEMO_DIR,
};
