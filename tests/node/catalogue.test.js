'use strict';
/* The editor's catalogue: the snapshot is in sync with the Python catalogue, and the admin
 * endpoints serve the live worker's catalogue and the unit's own value lists. */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { helper, load, inverterConfig, withWorker } = require('./support/red');
const { WorkerProcess, simUrl, waitFor, WORKER_BIN } = require('../../scripts/lib/stack');
const {
    CatalogueIndex,
    SNAPSHOT_PATH,
    PROTOCOLS,
} = require('../../node-red-contrib-pi30/lib/catalogue');

describe('catalogue snapshot', function () {
    this.timeout(30000);

    it('resources/catalogue.json equals `pi30-worker commands --json` for every protocol', () => {
        const snapshot = JSON.parse(fs.readFileSync(SNAPSHOT_PATH, 'utf8'));
        assert.deepEqual(Object.keys(snapshot.protocols).sort(), [...PROTOCOLS].sort());
        for (const protocol of PROTOCOLS) {
            const live = JSON.parse(
                execFileSync(WORKER_BIN, ['commands', '--json', '--protocol', protocol], {
                    encoding: 'utf8',
                }),
            );
            assert.deepEqual(
                snapshot.protocols[protocol],
                live,
                `${protocol} snapshot out of date: run \`npm run generate-catalogue\` (or make catalogue-snapshot)`,
            );
        }
    });

    it('the generator script writes exactly the checked-in file', () => {
        const {
            buildSnapshot,
            render,
        } = require('../../node-red-contrib-pi30/scripts/generate-catalogue');
        assert.equal(render(buildSnapshot(WORKER_BIN)), fs.readFileSync(SNAPSHOT_PATH, 'utf8'));
    });

    it('the worker resolves texts with arguments; its served keys are every key a reading has', async () => {
        const index = CatalogueIndex.fromSnapshot('PI30MAX');
        assert.equal(index.command('qpgs').name, 'QPGS');
        assert.equal(index.command('QPGS1'), null, "whole texts are the worker's to resolve");
        const worker = await new WorkerProcess({
            port: simUrl('pi30max'),
            protocol: 'PI30MAX',
        }).start();
        try {
            const resolve = (command) => worker.request({ op: 'resolve', command });
            assert.deepEqual(
                await Promise.all(
                    ['QPGS1', 'qed20260101', 'QPIGS2', 'POP02'].map(async (t) => {
                        const r = await resolve(t);
                        return [r.name, r.arg, r.kind];
                    }),
                ),
                [
                    ['QPGS', '1', 'query'],
                    ['QED', '20260101', 'query'],
                    ['QPIGS2', null, 'query'],
                    ['POP', '02', 'setter'],
                ],
            );
            assert.equal((await resolve('QED2026')).error.code, 'UNKNOWN_COMMAND');
            assert.equal((await resolve('NOPE')).error.code, 'UNKNOWN_COMMAND');
            // every key of a real decoded answer is served with its metadata (flags included)
            for (const command of [
                'QPIGS',
                'QPIRI',
                'QFLAG',
                'QPIWS',
                'QMOD',
                'QPGS0',
                'QMUCHGCR',
                'QET',
            ]) {
                const reply = await worker.request({ op: 'query', command });
                assert.equal(reply.ok, true, `${command}: ${JSON.stringify(reply.error)}`);
                const keys = (await resolve(command)).entry.keys;
                for (const key of Object.keys(reply.data)) {
                    // fields newer firmwares append go by their key
                    assert.ok(
                        keys[key] || /^unknown_\d+$/.test(key),
                        `${command}.${key} is served`,
                    );
                    if (keys[key]) assert.ok(keys[key].label, `${command}.${key} has a label`);
                }
            }
        } finally {
            await worker.stop();
        }
    });
});

/** GET /pi30/setter-values with `query`, expecting `status`. */
function setterValues(query, status = 200) {
    return helper.request().get('/pi30/setter-values').query(query).expect(status);
}

describe('editor endpoints', function () {
    this.timeout(20000);
    const worker = withWorker({ port: simUrl('pi30max'), protocol: 'PI30MAX' });

    it("GET /pi30/catalogue: the live worker's catalogue, else the snapshot", async () => {
        await load([inverterConfig(worker.endpoint, { protocol: 'PI30' })]);
        await waitFor(() => helper.getNode('inv').liveCatalogue, { what: 'live catalogue' });
        const live = await helper
            .request()
            .get('/pi30/catalogue')
            .query({ inverter: 'inv' })
            .expect(200);
        assert.equal(live.body.source, 'worker');
        // the worker runs PI30MAX although the node says PI30: the worker knows best
        assert.equal(live.body.protocol, 'PI30MAX');
        const direct = await worker.request({ op: 'catalogue' });
        assert.deepEqual(live.body.commands, direct.catalogue.commands);

        const snap = await helper
            .request()
            .get('/pi30/catalogue')
            .query({ inverter: 'not-deployed', protocol: 'PI30' })
            .expect(200);
        assert.equal(snap.body.source, 'snapshot');
        assert.equal(snap.body.protocol, 'PI30');
        const file = JSON.parse(fs.readFileSync(SNAPSHOT_PATH, 'utf8'));
        assert.deepEqual(snap.body.commands, file.protocols.PI30.commands);
    });

    it("GET /pi30/setter-values: the unit's own current list and battery voltage steps", async () => {
        await load([inverterConfig(worker.endpoint, { protocol: 'PI30MAX' })]);
        await waitFor(() => helper.getNode('inv').link().state === 'connected', {
            what: 'connected',
        });
        const r = await setterValues({ inverter: 'inv', command: 'MUCHGC' });
        assert.equal(r.body.source, 'unit');
        const options = (await worker.request({ op: 'query', command: 'QMUCHGCR' })).data
            .max_ac_charging_current_options;
        assert.deepEqual(
            r.body.values.map((v) => Number(v.value)),
            options,
        );

        const pbcv = await setterValues({ inverter: 'inv', command: 'PBCV' });
        const nominal = (await worker.request({ op: 'query', command: 'QPIRI' })).data
            .battery_voltage;
        const cmd = CatalogueIndex.fromSnapshot('PI30MAX').command('PBCV');
        assert.deepEqual(
            pbcv.body.values.map((v) => Number(v.value)),
            cmd.arg.values_by_battery[String(Math.round(nominal))],
        );
        assert.equal(pbcv.body.source, 'unit');

        // a whole setter text: the worker resolves it (POP02 is POP with "02")
        const pop02 = await setterValues({ inverter: 'inv', command: 'POP02' });
        assert.equal(pop02.body.command, 'POP');
        assert.equal((await worker.request({ op: 'resolve', command: 'POP02' })).arg, '02');

        const pop = await setterValues({ inverter: 'inv', command: 'POP' });
        assert.deepEqual(
            pop.body.values.map((v) => v.value),
            Object.values(CatalogueIndex.fromSnapshot('PI30MAX').command('POP').arg.choices),
        );
        const pf = await setterValues({ inverter: 'inv', command: 'PF' });
        assert.equal(pf.body.dangerous, true);
        await setterValues({ inverter: 'inv', command: 'QPIGS' }, 404);

        // not deployed: the catalogue's list
        const offline = await setterValues({ protocol: 'PI30', command: 'MUCHGC' });
        assert.equal(offline.body.source, 'catalogue');
        assert.ok(offline.body.values.length > 0);
    });

    it('GET /pi30/health: link state, worker health and device', async () => {
        await load([inverterConfig(worker.endpoint, { protocol: 'PI30MAX' })]);
        await waitFor(() => helper.getNode('inv').link().state === 'connected', {
            what: 'connected',
        });
        const r = await helper.request().get('/pi30/health').query({ inverter: 'inv' }).expect(200);
        assert.equal(r.body.link.state, 'connected');
        assert.equal(r.body.health.port.state, 'connected');
        assert.equal(r.body.health.protocol, 'PI30MAX');
        const none = await helper
            .request()
            .get('/pi30/health')
            .query({ inverter: 'nope' })
            .expect(200);
        assert.equal(none.body.link.state, 'not-deployed');
    });
});

describe('device profiles in the editor', function () {
    this.timeout(30000);
    // a VM II unit: the worker identifies it (--protocol auto); its codes differ
    const worker = withWorker({ port: simUrl('vmii'), protocol: 'auto' });

    it('Check connection shows the profile and why; the dropdowns offer the unit’s own codes', async () => {
        await load([inverterConfig(worker.endpoint, { protocol: 'auto' })]);
        const inv = helper.getNode('inv');
        let r = null;
        await waitFor(
            async () => {
                r = await helper
                    .request()
                    .get('/pi30/health')
                    .query({ inverter: 'inv' })
                    .expect(200);
                return r.body.health && r.body.health.profile === 'vmii';
            },
            { what: 'the worker to identify the unit', intervalMs: 200 },
        );
        // the health reply carried the profile: the node fetched the unit's own catalogue
        await waitFor(() => inv.liveCatalogue && inv.liveCatalogue.profile === 'vmii', {
            what: 'the unit’s catalogue',
        });
        assert.equal(r.body.health.variant, 'PI30');
        assert.ok(
            r.body.health.why.some((w) => w.includes('VMII-NXPW5KW')),
            r.body.health.why.join('; '),
        );
        const cat = await helper
            .request()
            .get('/pi30/catalogue')
            .query({ inverter: 'inv' })
            .expect(200);
        const pop = cat.body.commands.find((c) => c.name === 'POP');
        assert.deepEqual(pop.arg.choices, {
            '00': 'Utility first',
            '01': 'SBU first',
            '02': 'Solar first',
        });
        const values = await setterValues({ inverter: 'inv', command: 'POP' });
        assert.ok(
            values.body.values.some(
                (v) => String(v.value) === '01' || String(v.label || '').includes('SBU'),
            ),
            JSON.stringify(values.body),
        );
    });
});
