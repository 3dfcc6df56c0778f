'use strict';
/**
 * Each install path a user has today, from the release files `make dist` puts in dist/ to a
 * first reading from the simulator, timed from nothing (an empty directory) to that reading:
 *  - the npm tarball in a fresh Node-RED user directory, managed mode running the worker it
 *    carries with Debian's own /usr/bin/python3 and the distribution's python3-serial,
 *    python3-msgpack and python3-zmq (no pip, no venv: the Home Assistant OS add-on's way);
 *  - the worker's wheel, and its sdist, with pip into a fresh venv.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../../scripts/lib/stack');

const DIST = path.join(h.ROOT, 'dist');
const SYSTEM_PYTHON = process.env.SYSTEM_PYTHON || '/usr/bin/python3';
const BASE_PYTHON = process.env.PYTHON || 'python3'; // what `make venv` builds .venv from
const SIM = 'sim://?model=pi30max';

function distFile(pattern) {
    const names = fs.existsSync(DIST) ? fs.readdirSync(DIST).filter((f) => pattern.test(f)) : [];
    assert.equal(names.length, 1, `one ${pattern} in dist/ (run make dist): ${names.join(', ')}`);
    return path.join(DIST, names[0]);
}

function seconds(since) {
    return ((Date.now() - since) / 1000).toFixed(1);
}

function systemPythonReady() {
    try {
        execFileSync(SYSTEM_PYTHON, ['-c', 'import serial, msgpack, zmq'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

describe('install from dist/: the npm tarball with Debian python3 and its packages (managed mode)', function () {
    this.timeout(300000);
    let work;
    let red;

    before(function () {
        if (!systemPythonReady()) {
            console.log(
                `    SKIPPED: ${SYSTEM_PYTHON} cannot import serial, msgpack, zmq: run make system-python (root) to install Debian's python3-serial python3-msgpack python3-zmq`,
            );
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-npm-install-'));
    });
    after(async () => {
        if (red) await h.stopChild(red.child, 20000);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('npm install <tarball> into an empty user dir; managed mode finds /usr/bin/python3 and readings flow', async () => {
        const tarball = distFile(/^node-red-contrib-pi30-.*\.tgz$/);
        const started = Date.now();
        const userDir = path.join(work, 'node-red');
        fs.mkdirSync(userDir);
        fs.writeFileSync(
            path.join(userDir, 'package.json'),
            JSON.stringify({ name: 'node-red-project', private: true }),
        );
        execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
            cwd: userDir,
            stdio: 'pipe',
        });
        const installed = path.join(userDir, 'node_modules', 'node-red-contrib-pi30');
        assert.ok(
            fs.existsSync(path.join(installed, 'python', 'pyworker', 'cli.py')),
            'the worker came with the nodes',
        );
        const installSeconds = seconds(started);

        // Only the system's directories on the PATH: python3 there is Debian's, with apt packages
        // and no pyworker installed - the bundled copy is what runs.
        const env = { PATH: '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8' };
        const endpoint = `tcp://127.0.0.1:${await h.freePort()}`;
        red = await h.startNodeRed({
            name: 'install-node-red',
            userDir,
            // a fresh log (nothing from an earlier run); run from the user dir, not the clone
            spawnOptions: { env, cwd: userDir, logDir: path.join(work, 'logs') },
            flows: [
                { id: 't1', type: 'tab', label: 'first hour' },
                {
                    id: 'inv',
                    type: 'pi30-inverter',
                    endpoint,
                    protocol: 'PI30MAX',
                    managed: true,
                    python: '',
                    serialPort: SIM,
                    timeout: 10000,
                },
                {
                    id: 'q1',
                    type: 'pi30-query',
                    z: 't1',
                    inverter: 'inv',
                    command: 'QPIGS',
                    interval: 1,
                    output: 'object',
                    maxAge: 0,
                    wires: [['d1']],
                },
                {
                    id: 'd1',
                    type: 'debug',
                    z: 't1',
                    active: true,
                    tosidebar: false,
                    console: true,
                    complete: 'payload',
                    targetType: 'msg',
                    wires: [],
                },
            ],
        });
        const log = () => fs.readFileSync(red.child.logFile, 'utf8');
        await h.waitFor(() => /battery_voltage/.test(log()), {
            timeoutMs: 90000,
            what: `a QPIGS reading in the Node-RED log (${red.child.logFile})`,
        });
        console.log(
            `    npm install of the tarball: ${installSeconds} s; nothing to the first reading: ${seconds(started)} s`,
        );
        const text = log();
        assert.match(
            text,
            new RegExp(
                `using ${SYSTEM_PYTHON.replace(/[/.]/g, '\\$&')} \\(Python 3\\.\\d+\\.\\d+\\) with the worker bundled with these nodes`,
            ),
        );
        assert.doesNotMatch(text, /\[error\]/);
        assert.doesNotMatch(
            text,
            /not using/,
            'no warning about candidates that are simply absent',
        );
        // the reading is a real one: a number with its unit's range
        const voltage = Number((/battery_voltage"?: ?([\d.]+)/.exec(text) || [])[1]);
        assert.ok(voltage > 40 && voltage < 60, `battery_voltage ${voltage}`);
    });
});

describe('install from dist/: the worker wheel and sdist with pip into a fresh venv', function () {
    this.timeout(600000);
    let work;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-pip-install-'));
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    for (const [kind, pattern] of [
        ['wheel', /^pi30_worker-.*\.whl$/],
        ['sdist', /^pi30_worker-.*\.tar\.gz$/],
    ]) {
        it(`pip install <${kind}>, then pi30-worker query gives a reading`, () => {
            const file = distFile(pattern);
            const started = Date.now();
            const venv = path.join(work, kind);
            execFileSync(BASE_PYTHON, ['-m', 'venv', venv], { stdio: 'pipe' });
            execFileSync(
                path.join(venv, 'bin', 'pip'),
                ['install', '--quiet', '--disable-pip-version-check', file],
                { stdio: 'pipe' },
            );
            const out = execFileSync(
                path.join(venv, 'bin', 'pi30-worker'),
                ['query', 'QPIGS', '--port', SIM, '--protocol', 'PI30MAX', '--format', 'json'],
                {
                    encoding: 'utf8',
                    cwd: work, // not the clone: the installed copy must do it alone
                },
            );
            console.log(`    ${kind}: nothing to the first reading: ${seconds(started)} s`);
            const reading = JSON.parse(out);
            assert.equal(reading.command, 'QPIGS');
            assert.ok(reading.data.battery_voltage > 40 && reading.data.battery_voltage < 60, out);
            assert.equal(reading.units.battery_voltage, 'V');
            const version = execFileSync(path.join(venv, 'bin', 'pi30-worker'), ['--version'], {
                encoding: 'utf8',
                cwd: work,
            });
            assert.match(version, /^pi30-worker \d+\.\d+\.\d+/);
        });
    }

    it('the sdist holds the sources, LICENSE and README, nothing from the developer tree', () => {
        const listing = execFileSync('tar', ['tzf', distFile(/^pi30_worker-.*\.tar\.gz$/)], {
            encoding: 'utf8',
        })
            .trim()
            .split('\n');
        const files = listing
            .map((f) => f.split('/').slice(1).join('/'))
            .filter((f) => f && !f.endsWith('/'));
        for (const f of [
            'LICENSE',
            'README.md',
            'pyproject.toml',
            'pyworker/cli.py',
            'pyworker/sim/simulator.py',
        ])
            assert.ok(files.includes(f), f);
        assert.deepEqual(
            files.filter(
                (f) =>
                    /^(tests|node-red-contrib-pi30|bench|scripts|node_modules)\//.test(f) ||
                    /__pycache__/.test(f),
            ),
            [],
        );
    });
});

describe('make demo in a fresh clone: runtime dependencies only, nothing to puzzle over', function () {
    this.timeout(600000);
    let clone;

    before(() => {
        clone = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-clone-'));
    });
    after(() => fs.rmSync(clone, { recursive: true, force: true }));

    it("creates .venv with the worker and its three dependencies, without the test tools or setuptools' warnings", () => {
        execFileSync('git', ['clone', '--quiet', '--local', h.ROOT, clone]);
        // the step of `make demo` that installs Python packages (the rest starts Node-RED)
        const out = execFileSync(
            'make',
            ['--no-print-directory', '.venv/.runtime-installed', `PYTHON=${BASE_PYTHON}`],
            {
                cwd: clone,
                encoding: 'utf8',
                stdio: ['ignore', 'pipe', 'pipe'],
            },
        );
        const bin = fs.readdirSync(path.join(clone, '.venv', 'bin'));
        assert.ok(bin.includes('pi30-worker'));
        for (const tool of ['pytest', 'mypy', 'ruff'])
            assert.ok(!bin.includes(tool), `${tool} is a test tool`);
        assert.equal(
            out.trim(),
            'installing the worker and its dependencies (pyserial, msgpack, pyzmq) into .venv ...',
        );
        const check = execFileSync(
            path.join(clone, '.venv', 'bin', 'python'),
            ['-m', 'pip', 'check'],
            { encoding: 'utf8' },
        );
        assert.match(check, /No broken requirements/);
    });

    it('building the packages shows no setuptools deprecation notice', () => {
        const venvPython = path.join(clone, '.venv', 'bin', 'python');
        const done = require('node:child_process').spawnSync(
            venvPython,
            ['-m', 'pip', 'install', '--no-deps', '--force-reinstall', '-e', '.'],
            {
                cwd: clone,
                encoding: 'utf8',
            },
        );
        assert.equal(done.status, 0, done.stderr);
        assert.doesNotMatch(done.stdout + done.stderr, /deprecat|Please be careful|!!/i);
    });
});
