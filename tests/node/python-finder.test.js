'use strict';
/* Managed mode's choice of Python, with real interpreters: what it takes, what it refuses and
 * the exact advice it gives (pip in a venv, apt on Debian, the add-on's system_packages on
 * Alpine). The full path - the packed tarball run by Debian's python3 - is in tests/install. */

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
    findPython,
    candidates,
    distribution,
    installAdvice,
} = require('../../node-red-contrib-pi30/lib/python-finder');
const { PYTHON } = require('../../scripts/lib/stack');

describe('managed mode: finding a Python for the worker', function () {
    this.timeout(60000);
    let work;
    let bareVenv; // a real interpreter without pyserial, msgpack, pyzmq

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-python-'));
        bareVenv = path.join(work, 'bare');
        execFileSync(PYTHON, ['-m', 'venv', '--without-pip', bareVenv]);
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it('tries the configured one, a venv, then the PATH, without duplicates', () => {
        assert.deepEqual(
            candidates({ configured: '/x/python', env: { VIRTUAL_ENV: '/v' }, platform: 'linux' }),
            ['/x/python', '/v/bin/python', '/opt/pi30-worker/bin/python', 'python3', 'python'],
        );
        assert.deepEqual(candidates({ configured: 'python3', env: {}, platform: 'linux' }), [
            'python3',
            '/opt/pi30-worker/bin/python',
            'python',
        ]);
        assert.deepEqual(candidates({ env: {}, platform: 'win32' }), [
            'C:\\pi30\\Scripts\\python.exe',
            'python',
            'python3',
        ]);
    });

    it('takes an interpreter that has the worker and its dependencies', async () => {
        const found = await findPython({ configured: PYTHON, env: { PATH: '' } });
        assert.equal(found.bundled, false); // a checkout: no copy of the worker in the package
        assert.match(found.version, /^3\.\d+\.\d+$/);
        assert.match(found.description, /with its installed pi30-worker$/);
        assert.deepEqual(found.rejected, []);
    });

    it('warns about the configured interpreter when another one is used, not about absent defaults', async () => {
        const found = await findPython({
            configured: '/nonexistent/python3',
            env: { PATH: path.dirname(PYTHON) },
        });
        assert.equal(path.dirname(found.python), path.dirname(PYTHON)); // python3 from the PATH
        assert.deepEqual(found.rejected, ['/nonexistent/python3: not found']); // not /opt/pi30-worker
    });

    it('names each missing package and how to install it, per platform', async () => {
        const bare = path.join(bareVenv, 'bin', 'python');
        await assert.rejects(findPython({ configured: bare, env: { PATH: '' } }), (err) => {
            assert.match(err.message, /no Python can run pi30-worker/);
            assert.match(
                err.message,
                /missing pyserial \(import serial\), msgpack \(import msgpack\), pyzmq \(import zmq\), the pi30-worker package/,
            );
            assert.match(err.message, /-m pip install pyserial msgpack pyzmq/); // a venv: pip is the way
            assert.match(err.message, /python3: not found/);
            return true;
        });
        // With a bundled worker, outside a venv: the distribution's packages, named for it
        const bundle = path.join(work, 'bundle');
        fs.mkdirSync(path.join(bundle, 'pyworker'), { recursive: true });
        fs.writeFileSync(path.join(bundle, 'pyworker', 'cli.py'), '');
        const osRelease = (id) => {
            const file = path.join(work, `os-release-${id}`);
            fs.writeFileSync(file, `NAME="x"\nID=${id}\n`);
            return file;
        };
        const system = fs.realpathSync(
            execFileSync(bare, ['-c', 'import sys; print(sys._base_executable)'], {
                encoding: 'utf8',
            }).trim(),
        );
        const hasAll = (() => {
            try {
                execFileSync(system, ['-c', 'import serial, msgpack, zmq'], { stdio: 'ignore' });
                return true;
            } catch {
                return false;
            }
        })();
        // (a system interpreter that lacks a package shows the advice; one with all three is taken)
        for (const [id, advice] of [
            ['alpine', /apk add py3-\w+.*system_packages/],
            ['debian', /apt install python3-\w+/],
        ]) {
            const result = findPython({
                configured: system,
                env: { PATH: '' },
                bundleDir: bundle,
                osRelease: osRelease(id),
            });
            if (hasAll) assert.equal((await result).python, system);
            else await assert.rejects(result, (err) => advice.test(err.message));
        }
    });

    it('advice for a system interpreter: the add-on option on Alpine, apt on Debian, pip elsewhere', () => {
        const system = { executable: '/usr/bin/python3', venv: false };
        assert.equal(
            installAdvice(['serial', 'zmq'], system, 'alpine'),
            'apk add py3-serial py3-zmq (Home Assistant Node-RED add-on: add py3-serial, py3-zmq to its system_packages option and restart it)',
        );
        assert.equal(installAdvice(['msgpack'], system, 'debian'), 'apt install python3-msgpack');
        assert.equal(installAdvice(['zmq'], system, null), '/usr/bin/python3 -m pip install pyzmq');
        assert.equal(
            installAdvice(['zmq'], { ...system, venv: true }, 'debian'),
            '/usr/bin/python3 -m pip install pyzmq',
        );
        assert.match(
            installAdvice(['pyworker'], system, 'debian'),
            /pip install pi30-worker \(or install this package from its packed tarball/,
        );
    });

    it('reads the distribution from os-release', () => {
        const file = path.join(work, 'os-release');
        fs.writeFileSync(file, 'ID=raspbian\nID_LIKE=debian\n');
        assert.equal(distribution(file), 'debian');
        fs.writeFileSync(file, 'ID="alpine"\n');
        assert.equal(distribution(file), 'alpine');
        assert.equal(distribution(path.join(work, 'none')), null);
    });
});
