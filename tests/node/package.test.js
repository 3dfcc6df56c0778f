'use strict';
/* The npm package as Node-RED and its users get it: metadata, editor files, help and message
 * catalogues for every node, the packed file list, and an install of the packed tarball
 * into a plain Node-RED 4 user directory. */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const http = require('node:http');
const { execFileSync, spawn } = require('node:child_process');
const { PKG } = require('./support/red');
const { WorkerProcess, simUrl, freePort, waitFor, ROOT } = require('../../scripts/lib/stack');

const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
const declared = pkg['node-red'].nodes;
const LANGS = ['en-US', 'fr'];
const read = (...p) => fs.readFileSync(path.join(...p), 'utf8');

/** "a.b.c" paths of every leaf of a JSON object */
function leafKeys(obj, prefix = '') {
    return Object.entries(obj).flatMap(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v)
            ? leafKeys(v, `${prefix}${k}.`)
            : [`${prefix}${k}`],
    );
}

function has(obj, dotted) {
    return (
        dotted.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj) !==
        undefined
    );
}

describe('package', function () {
    this.timeout(20000);

    it('declares itself to Node-RED and npm as the issue asks', () => {
        assert.equal(pkg.name, 'node-red-contrib-pi30');
        assert.equal(pkg['node-red'].version, '>=3.1.0');
        assert.ok(pkg.keywords.includes('node-red'));
        assert.match(pkg.dependencies.zeromq, /^\^6\./);
        assert.match(pkg.dependencies['@msgpack/msgpack'], /^\^3\./);
        for (const type of ['pi30-inverter', 'pi30-query', 'pi30-set', 'pi30-health']) {
            assert.equal(declared[type], `nodes/${type}.js`);
        }
    });

    for (const [type, file] of Object.entries(declared)) {
        const base = path.basename(file, '.js');
        const dir = path.join(PKG, path.dirname(file));

        it(`${type}: editor file compiles, has its template, icon and palette category`, () => {
            const html = read(dir, `${base}.html`);
            const scripts = [
                ...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g),
            ].map((m) => m[1]);
            assert.ok(scripts.length >= 1, 'a registerType script');
            for (const code of scripts) new vm.Script(code, { filename: `${base}.html` });
            assert.match(html, new RegExp(`registerType\\('${type}'`));
            assert.match(html, new RegExp(`data-template-name="${type}"`));
            for (const [, icon] of html.matchAll(/icon: '([^']+)'/g)) {
                if (icon.startsWith('font-awesome/')) continue; // Node-RED's own icon set
                assert.ok(fs.existsSync(path.join(dir, 'icons', icon)), `icon ${icon}`);
            }
            for (const [, src] of html.matchAll(
                /<script[^>]+src="resources\/node-red-contrib-pi30\/([^"]+)"/g,
            )) {
                assert.ok(fs.existsSync(path.join(PKG, 'resources', src)), `resource ${src}`);
                new vm.Script(read(PKG, 'resources', src), { filename: src });
            }
        });

        it(`${type}: markdown help and message catalogues in en-US and fr, with every key the code uses`, () => {
            const catalogues = {};
            for (const lang of LANGS) {
                const help = read(dir, 'locales', lang, `${base}.html`);
                assert.match(
                    help,
                    new RegExp(`<script type="text/markdown" data-help-name="${type}">`),
                    `${lang} help`,
                );
                assert.ok(
                    help.replace(/<[^>]+>/g, '').trim().length > 300,
                    `${lang} help has content`,
                );
                catalogues[lang] = JSON.parse(read(dir, 'locales', lang, `${base}.json`));
            }
            assert.deepEqual(
                leafKeys(catalogues.fr).sort(),
                leafKeys(catalogues['en-US']).sort(),
                'same keys in fr and en-US',
            );
            const html = read(dir, `${base}.html`);
            const js = read(dir, `${base}.js`);
            const used = [
                ...[...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]),
                ...[...html.matchAll(/node\._\('([^']+)'\)/g)].map((m) => m[1]),
                ...[...js.matchAll(/RED\._\('([^':]+)'/g)].map((m) => m[1]),
            ];
            // keys with a namespace ("node-red:common.label.name") live in other catalogues
            for (const key of used.filter((k) => !k.includes(':')))
                assert.ok(has(catalogues['en-US'], key), `${type}: key ${key}`);
        });
    }

    it('shared status texts (pi30-inverter namespace) exist for every link state', () => {
        const support = read(PKG, 'lib', 'node-support.js');
        const states = [...support.matchAll(/t\('([a-z-]+)'\)/g)].map((m) => m[1]);
        assert.ok(states.length >= 5);
        for (const lang of LANGS) {
            const cat = JSON.parse(read(PKG, 'nodes', 'locales', lang, 'pi30-inverter.json'));
            for (const s of [...states, 'no-inverter'])
                assert.ok(cat['pi30-inverter'].status[s], `${lang} status.${s}`);
        }
    });

    it('the tarball holds runtime files only: the nodes, the worker copied from pyworker/, LICENSE', () => {
        const [packed] = JSON.parse(
            execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }),
        );
        const files = packed.files.map((f) => f.path).sort();
        const runtime =
            /^(package\.json|README\.md|LICENSE|(nodes|lib|resources|examples)\/.+|python\/pyworker\/.+\.py)$/;
        assert.deepEqual(
            files.filter((f) => !runtime.test(f)),
            [],
            'nothing but runtime files',
        );
        assert.deepEqual(
            files.filter((f) => /(^|\/)(scripts|tests?)\/|__pycache__|\.pyc$/.test(f)),
            [],
        );
        // the worker is the repository's pyworker/, every source file of it and nothing else
        const sources = execFileSync('git', ['ls-files', 'pyworker/*.py', 'pyworker/**/*.py'], {
            cwd: ROOT,
            encoding: 'utf8',
        })
            .trim()
            .split('\n')
            .map((f) => `python/${f}`)
            .sort();
        assert.deepEqual(
            files.filter((f) => f.startsWith('python/')),
            [...new Set(sources)].sort(),
        );
        assert.ok(files.includes('LICENSE'));
        assert.match(read(ROOT, 'LICENSE'), /^MIT License/);
        assert.equal(pkg.license, 'MIT');
        for (const field of ['homepage', 'repository', 'bugs'])
            assert.ok(pkg[field], `package.json ${field}`);
        // the copies exist only while packing: nothing left in the checkout
        assert.ok(
            !fs.existsSync(path.join(PKG, 'python')) && !fs.existsSync(path.join(PKG, 'LICENSE')),
        );
    });

    it('npm pack ships every file the nodes need', () => {
        const [packed] = JSON.parse(
            execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }),
        );
        const files = new Set(packed.files.map((f) => f.path));
        const needed = new Set(['package.json', 'README.md', 'resources/catalogue.json']);
        // follow relative requires from every node file
        const queue = Object.values(declared);
        while (queue.length) {
            const rel = queue.shift();
            if (needed.has(rel)) continue;
            needed.add(rel);
            const text = read(PKG, rel);
            for (const [, dep] of text.matchAll(/require\('(\.[^']+)'\)/g)) {
                let target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), dep));
                if (!target.endsWith('.js') && !target.endsWith('.json')) target += '.js';
                queue.push(target);
            }
        }
        for (const [, file] of Object.entries(declared)) {
            const base = file.replace(/\.js$/, '');
            needed.add(`${base}.html`);
            for (const lang of LANGS) {
                needed.add(`nodes/locales/${lang}/${path.basename(base)}.html`);
                needed.add(`nodes/locales/${lang}/${path.basename(base)}.json`);
            }
        }
        for (const f of fs.readdirSync(path.join(PKG, 'examples'))) needed.add(`examples/${f}`);
        for (const f of fs.readdirSync(path.join(PKG, 'nodes', 'icons')))
            needed.add(`nodes/icons/${f}`);
        needed.add('resources/pi30-editor.js');
        for (const f of needed) assert.ok(files.has(f), `packed: ${f}`);
    });
});

/** GET a JSON document from the local Node-RED admin API. */
function getJson(port, urlPath) {
    return new Promise((resolve, reject) => {
        const req = http.get(
            { host: '127.0.0.1', port, path: urlPath, headers: { Accept: 'application/json' } },
            (res) => {
                let body = '';
                res.on('data', (c) => (body += c));
                res.on('end', () =>
                    res.statusCode === 200
                        ? resolve(JSON.parse(body))
                        : reject(new Error(`${res.statusCode} ${body}`)),
                );
            },
        );
        req.on('error', reject);
    });
}

function postJson(port, urlPath, data, headers) {
    return new Promise((resolve, reject) => {
        const body = JSON.stringify(data);
        const req = http.request(
            {
                host: '127.0.0.1',
                port,
                path: urlPath,
                method: 'POST',
                headers: {
                    'Content-Type': 'application/json',
                    'Content-Length': Buffer.byteLength(body),
                    ...headers,
                },
            },
            (res) => {
                let out = '';
                res.on('data', (c) => (out += c));
                res.on('end', () =>
                    res.statusCode < 300
                        ? resolve(out)
                        : reject(new Error(`${res.statusCode} ${out}`)),
                );
            },
        );
        req.on('error', reject);
        req.end(body);
    });
}

describe('packed tarball in a plain Node-RED 4 user directory', function () {
    this.timeout(180000);
    let work;
    let red;
    let worker;
    let output = '';

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-install-'));
        worker = await new WorkerProcess({ port: simUrl('pi30'), protocol: 'PI30' }).start();
    });
    after(async () => {
        if (red && red.exitCode === null) {
            red.kill('SIGTERM');
            await new Promise((r) => red.once('exit', r));
        }
        if (worker) await worker.stop();
        fs.rmSync(work, { recursive: true, force: true });
    });

    it('installs with `npm install <tarball>`; Node-RED lists the nodes and runs a flow with them', async () => {
        const [packed] = JSON.parse(
            execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
                cwd: PKG,
                encoding: 'utf8',
            }),
        );
        const userDir = path.join(work, 'user');
        fs.mkdirSync(userDir);
        fs.writeFileSync(
            path.join(userDir, 'package.json'),
            JSON.stringify({ name: 'node-red-project', private: true }),
        );
        execFileSync(
            'npm',
            [
                'install',
                '--no-audit',
                '--no-fund',
                '--prefer-offline',
                '--loglevel=error',
                path.join(work, packed.filename),
            ],
            { cwd: userDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
        assert.ok(
            fs.existsSync(
                path.join(
                    userDir,
                    'node_modules',
                    'node-red-contrib-pi30',
                    'nodes',
                    'pi30-query.js',
                ),
            ),
        );

        const port = await freePort();
        fs.writeFileSync(
            path.join(userDir, 'settings.js'),
            `module.exports = ${JSON.stringify({
                uiHost: '127.0.0.1',
                uiPort: port,
                flowFile: 'flows.json',
                credentialSecret: false,
                telemetry: { enabled: false, updateNotification: false },
                editorTheme: { tours: false },
                logging: { console: { level: 'info' } },
            })};`,
        );
        const redJs = path.join(ROOT, 'node_modules', 'node-red', 'red.js');
        red = spawn(
            process.execPath,
            [redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
            {
                stdio: ['ignore', 'pipe', 'pipe'],
            },
        );
        red.stdout.on('data', (c) => (output += c));
        red.stderr.on('data', (c) => (output += c));
        await waitFor(() => getJson(port, '/settings').catch(() => null), {
            timeoutMs: 60000,
            intervalMs: 200,
            what: 'Node-RED up',
        });

        const sets = await getJson(port, '/nodes');
        const ours = sets.filter((s) => s.module === 'node-red-contrib-pi30');
        const types = ours.flatMap((s) => s.types);
        for (const t of ['pi30-inverter', 'pi30-query', 'pi30-set', 'pi30-health'])
            assert.ok(types.includes(t), t);
        for (const s of ours) assert.equal(s.err, undefined, `${s.id}: ${s.err}`);
        for (const s of ours) assert.equal(s.enabled, true);
        // the help and the catalogue endpoint come from the installed copy too
        const snapshot = await getJson(port, '/pi30/catalogue?protocol=PI30');
        assert.equal(snapshot.source, 'snapshot');

        await postJson(
            port,
            '/flows',
            {
                flows: [
                    { id: 't1', type: 'tab', label: 'install test' },
                    {
                        id: 'inv',
                        type: 'pi30-inverter',
                        endpoint: worker.endpoint,
                        timeout: 5000,
                        protocol: 'PI30',
                    },
                    {
                        id: 'i1',
                        type: 'inject',
                        z: 't1',
                        props: [{ p: 'payload' }],
                        repeat: '',
                        once: true,
                        onceDelay: 0.1,
                        payload: '',
                        payloadType: 'date',
                        x: 100,
                        y: 100,
                        wires: [['q1']],
                    },
                    {
                        id: 'q1',
                        type: 'pi30-query',
                        z: 't1',
                        inverter: 'inv',
                        command: 'QMOD',
                        interval: 0,
                        output: 'object',
                        maxAge: 0,
                        x: 300,
                        y: 100,
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
                        x: 500,
                        y: 100,
                        wires: [],
                    },
                ],
            },
            { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
        );
        await waitFor(() => /device_mode/.test(output), {
            timeoutMs: 15000,
            what: `a reading in the log:\n${output}`,
        });
        assert.doesNotMatch(output, /\[error\]/);
    });
});
