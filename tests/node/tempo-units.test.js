'use strict';
// pi30-tempo writes its decision with the unit's own choices: a real Node-RED runtime, a real
// pi30-worker identifying each simulated model (device profile), pi30-set writing and
// verifying every setting. Units without a "Utility first" charger (VM II, LV6548, MKS2-7200)
// charge from the grid with "Solar + Utility"; the generic label would be refused there.

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector } = require('./support/red');
const { WorkerProcess, simUrl, waitFor } = require('../../scripts/lib/stack');

// model -> what the worker must identify, and the unit's own label and wire code for
// "output on the grid" and "charge from the grid"
const UNITS = [
    {
        model: 'pi30',
        profile: 'generic',
        output: ['Utility first', 'POP00'],
        charger: ['Utility first', 'PCP00'],
        current: 'MUCHGC020',
    },
    {
        model: 'vmii',
        profile: 'vmii',
        output: ['Utility first', 'POP00'],
        charger: ['Solar + Utility', 'PCP01'],
        current: 'MUCHGC020',
    },
    {
        model: 'lv6548',
        profile: 'lv6548',
        output: ['Utility Solar Battery', 'POP00'],
        charger: ['Solar + Utility', 'PCP01'],
        current: 'MUCHGC0020',
    },
    {
        model: 'mks2-7200',
        profile: 'mks2-7200',
        output: ['Utility Solar Battery', 'POP00'],
        charger: ['Solar + Utility', 'PCP02'],
        current: 'MUCHGC020',
    },
];

for (const unit of UNITS) {
    describe(`pi30-tempo on a simulated ${unit.model} unit (real worker, profile ${unit.profile})`, function () {
        this.timeout(30000);
        let worker;

        before(async () => {
            worker = await new WorkerProcess({
                port: simUrl(unit.model),
                protocol: 'auto',
            }).start();
            await helper.startServer();
        });
        after(async () => {
            await helper.stopServer();
            if (worker) await worker.stop();
        });
        afterEach(async () => {
            await helper.unload();
        });

        it('charges from the grid before a red day with the unit’s own settings, written and verified', async () => {
            const health = await waitFor(
                async () => {
                    const h = await worker.request({ op: 'health' });
                    return h.profile && h.profile === unit.profile && h;
                },
                { what: `the worker identifying profile ${unit.profile}` },
            );
            assert.equal(health.profile, unit.profile);
            if (unit.charger[0] !== 'Utility first') {
                // the defect this guards against: the generic label is refused on this unit
                const refused = await worker.request({
                    op: 'set',
                    command: 'PCP',
                    value: 'Utility first',
                });
                assert.equal(refused.ok, false, JSON.stringify(refused));
                assert.equal(refused.error.code, 'INVALID_VALUE', JSON.stringify(refused));
            }
            await load([
                inverterConfig(worker.endpoint, { protocol: 'auto' }),
                {
                    id: 'tempo',
                    type: 'pi30-tempo',
                    inverter: 'inv',
                    strategy: 'rule',
                    topicClock: 'QT',
                    capacityKwh: 10,
                    reserveSoc: 20,
                    maxSoc: 95,
                    hpUseRed: 9,
                    wires: [['set'], ['decisions'], []],
                },
                {
                    id: 'set',
                    type: 'pi30-set',
                    inverter: 'inv',
                    command: '',
                    value: '',
                    onlyIfChanged: false,
                    verify: true,
                    wires: [['out']],
                },
                { id: 'out', type: 'helper', wires: [] },
                { id: 'decisions', type: 'helper', wires: [] },
                { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
                { id: 'err', type: 'helper', wires: [] },
            ]);
            const inv = helper.getNode('inv');
            await waitFor(
                () =>
                    inv.liveCatalogue && (inv.liveCatalogue.profile || 'generic') === unit.profile,
                { what: 'the unit’s catalogue in the config node' },
            );
            const out = collector(helper.getNode('out'));
            const errors = collector(helper.getNode('err'));
            const decisions = collector(helper.getNode('decisions'));
            const tempo = helper.getNode('tempo');
            tempo.receive({ topic: 'QT', payload: { device_time: '2026-01-14T22:10:00' } });
            tempo.receive({ topic: 'sensor.rte_tempo_couleur_actuelle', payload: 'Bleu' });
            tempo.receive({ topic: 'sensor.rte_tempo_prochaine_couleur', payload: 'Rouge' });
            tempo.receive({
                topic: 'sensor.energy_production_tomorrow',
                payload: 3100,
                unit: 'Wh',
            });
            tempo.receive({ topic: 'QPIGS', payload: { battery_capacity: 40 } });
            const written = await out.until(3, 15000).catch((err) => {
                throw new Error(
                    `${err.message}; errors: ${JSON.stringify(errors.received.map((m) => m.error))}`,
                );
            });
            assert.deepEqual(errors.received, []);
            const byCommand = Object.fromEntries(
                written.map((m) => [m.payload.command, m.payload]),
            );
            assert.deepEqual(Object.keys(byCommand).sort(), ['MUCHGC', 'PCP', 'POP']);
            assert.equal(byCommand.POP.sent, unit.output[1]);
            assert.equal(byCommand.PCP.sent, unit.charger[1]);
            assert.equal(byCommand.MUCHGC.sent, unit.current);
            for (const m of written)
                assert.equal(m.payload.verified, true, JSON.stringify(m.payload));
            const charge = decisions.received.find((m) => m.payload === 'charge');
            assert.ok(charge, JSON.stringify(decisions.received.map((m) => m.reason)));
            assert.equal(charge.decision.output, unit.output[0]);
            assert.equal(charge.decision.charger, unit.charger[0]);
            // the unit itself, read back through the worker: grid charging in force
            const qpiri = await worker.request({ op: 'query', command: 'QPIRI' });
            assert.equal(qpiri.data.output_source_priority, unit.output[0]);
            assert.equal(qpiri.data.charger_source_priority, unit.charger[0]);
            assert.equal(qpiri.data.max_ac_charging_current, 20);
        });
    });
}
