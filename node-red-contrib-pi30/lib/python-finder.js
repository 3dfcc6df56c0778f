'use strict';
/**
 * Finds a Python that can run the worker for managed mode, and says exactly what is missing
 * when none can.
 *
 * The packed package carries the pure-Python worker in python/ (copied from the repository's
 * pyworker/ at pack time): with it, any Python 3.11+ that has pyserial, msgpack and pyzmq -
 * e.g. from the distribution's packages, no pip - runs the worker. Without it (a development
 * checkout) the interpreter needs the pi30-worker package installed.
 *
 * Candidates, first usable one wins: the configured interpreter, an active or conventional
 * virtualenv (where the README installs the worker), then python3 / python on the PATH.
 */

const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const BUNDLE_DIR = path.join(__dirname, '..', 'python');
const MIN_VERSION = [3, 11];
const PROBE_TIMEOUT_MS = 20000;

// import name -> what provides it: the PyPI name, Debian/Ubuntu's and Alpine's packages
const REQUIREMENTS = {
    serial: { pip: 'pyserial', debian: 'python3-serial', alpine: 'py3-serial' },
    msgpack: { pip: 'msgpack', debian: 'python3-msgpack', alpine: 'py3-msgpack' },
    zmq: { pip: 'pyzmq', debian: 'python3-zmq', alpine: 'py3-zmq' },
};

// Printed by the candidate itself: what it is and which imports fail.
// Its first line drops the current directory from sys.path, as the worker's -P does, so a
// pyworker/ folder where Node-RED happens to run is not taken for the worker.
const PROBE = `
import json, sys
sys.path = sys.path[1:]
info = {"executable": sys.executable, "version": list(sys.version_info[:3]),
        "venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix), "missing": []}
if sys.version_info >= (${MIN_VERSION.join(', ')}):
    for name in ${JSON.stringify([...Object.keys(REQUIREMENTS), 'pyworker'])}:
        try:
            __import__(name)
        except Exception as exc:
            info["missing"].append(name)
print(json.dumps(info))
`;

function hasBundle(bundleDir = BUNDLE_DIR) {
    return fs.existsSync(path.join(bundleDir, 'pyworker', 'cli.py'));
}

/** The interpreters to try, in order, without duplicates. */
function candidates({ configured = '', env = process.env, platform = process.platform } = {}) {
    const win = platform === 'win32';
    const join = win ? path.win32.join : path.posix.join;
    const venvPython = (dir) => join(dir, win ? 'Scripts' : 'bin', win ? 'python.exe' : 'python');
    const list = [];
    if (configured) list.push(configured);
    if (env.VIRTUAL_ENV) list.push(venvPython(env.VIRTUAL_ENV));
    list.push(win ? venvPython('C:\\pi30') : venvPython('/opt/pi30-worker'));
    list.push(...(win ? ['python', 'python3'] : ['python3', 'python']));
    return [...new Set(list)];
}

/** The distribution family ('alpine', 'debian' or null) from /etc/os-release. */
function distribution(osRelease = '/etc/os-release') {
    let text;
    try {
        text = fs.readFileSync(osRelease, 'utf8');
    } catch {
        return null;
    }
    const ids = [...text.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) =>
        m[1].split(/\s+/),
    );
    if (ids.includes('alpine')) return 'alpine';
    if (ids.some((id) => ['debian', 'ubuntu', 'raspbian'].includes(id))) return 'debian';
    return null;
}

/** How to get the missing imports into this interpreter, in the words its platform uses. */
function installAdvice(missing, probe, distro) {
    const packages = missing.filter((m) => REQUIREMENTS[m]);
    const parts = [];
    if (packages.length) {
        const pick = (key) => packages.map((m) => REQUIREMENTS[m][key]).join(' ');
        if (probe.venv || !distro) parts.push(`${probe.executable} -m pip install ${pick('pip')}`);
        else if (distro === 'alpine') {
            parts.push(
                `apk add ${pick('alpine')} (Home Assistant Node-RED add-on: add ${packages.map((m) => REQUIREMENTS[m].alpine).join(', ')} to its system_packages option and restart it)`,
            );
        } else parts.push(`apt install ${pick('debian')}`);
    }
    if (missing.includes('pyworker'))
        parts.push(
            `${probe.executable} -m pip install pi30-worker (or install this package from its packed tarball, which carries the worker)`,
        );
    return parts.join('; ');
}

function describeMissing(missing) {
    return missing
        .map((m) =>
            REQUIREMENTS[m] ? `${REQUIREMENTS[m].pip} (import ${m})` : 'the pi30-worker package',
        )
        .join(', ');
}

/** Run the probe in one candidate; resolves {ok, python, probe?, reason}. */
function probeCandidate(python, env, distro) {
    return new Promise((resolve) => {
        if (path.isAbsolute(python) && !fs.existsSync(python)) {
            resolve({ ok: false, python, reason: 'not found' });
            return;
        }
        execFile(
            python,
            ['-c', PROBE],
            { env, timeout: PROBE_TIMEOUT_MS, windowsHide: true },
            (err, stdout) => {
                if (err && err.code === 'ENOENT')
                    return resolve({ ok: false, python, reason: 'not found' });
                let probe;
                try {
                    probe = JSON.parse(String(stdout).trim().split('\n').pop());
                } catch {
                    return resolve({
                        ok: false,
                        python,
                        reason: `does not run (${err ? err.message.split('\n')[0] : 'no answer'})`,
                    });
                }
                const version = probe.version.join('.');
                const where = `${probe.executable} (Python ${version})`;
                if (
                    probe.version[0] < MIN_VERSION[0] ||
                    (probe.version[0] === MIN_VERSION[0] && probe.version[1] < MIN_VERSION[1])
                ) {
                    return resolve({
                        ok: false,
                        python,
                        probe,
                        reason: `${where}: Python ${MIN_VERSION.join('.')} or later needed`,
                    });
                }
                if (probe.missing.length) {
                    const advice = installAdvice(probe.missing, probe, distro);
                    return resolve({
                        ok: false,
                        python,
                        probe,
                        reason: `${where}: missing ${describeMissing(probe.missing)} - ${advice}`,
                    });
                }
                resolve({ ok: true, python, probe, reason: where });
            },
        );
    });
}

/**
 * The first candidate that can run the worker.
 * @returns {Promise<{python: string, pythonArgs: string[], env: object, version: string,
 *   bundled: boolean, description: string, rejected: string[]}>} `rejected`: the configured
 *   interpreter or others that exist but cannot run the worker, each with why. Rejects with an
 *   Error listing every candidate and why it cannot run the worker.
 */
async function findPython({
    configured = '',
    env = process.env,
    platform = process.platform,
    bundleDir = BUNDLE_DIR,
    osRelease,
} = {}) {
    const bundled = hasBundle(bundleDir);
    const runEnv = { ...env };
    if (bundled) {
        // the bundled worker comes first, so it matches these nodes even when another is installed
        runEnv.PYTHONPATH = [bundleDir, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    }
    const distro = platform === 'win32' ? null : distribution(osRelease);
    const tried = []; // every candidate and why not: the error when none will do
    const rejected = []; // the ones worth a warning: configured, or there but unusable
    for (const python of candidates({ configured, env, platform })) {
        const result = await probeCandidate(python, runEnv, distro);
        if (result.ok) {
            const version = result.probe.version.join('.');
            const worker = bundled
                ? 'the worker bundled with these nodes'
                : 'its installed pi30-worker';
            return {
                python: result.probe.executable || python,
                // -P (3.11+): the worker comes from PYTHONPATH or site-packages, never the cwd
                pythonArgs: ['-P'],
                env: runEnv,
                version,
                bundled,
                description: `${result.reason} with ${worker}`,
                rejected,
            };
        }
        const why = `${python}: ${result.reason}`;
        tried.push(why);
        if (python === configured || result.reason !== 'not found') rejected.push(why);
    }
    throw new Error(`no Python can run pi30-worker:\n  ${tried.join('\n  ')}`);
}

module.exports = {
    findPython,
    candidates,
    distribution,
    installAdvice,
    hasBundle,
    BUNDLE_DIR,
    REQUIREMENTS,
};
