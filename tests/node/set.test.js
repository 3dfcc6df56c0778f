'use strict';
/* pi30-set against a real pi30-worker on the simulator (pacing off, control endpoint on). */

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector, withWorker } = require('./support/red');
const { simUrl, simCall, sleep } = require('../../scripts/lib/stack');

describe('pi30-set', function () {
    this.timeout(20000);
    const worker = withWorker({ port: simUrl('pi30'), protocol: 'PI30', control: true });
    afterEach(() => simCall(worker.control, { op: 'ignore_writes', enabled: false }));

    const setNode = (extra) => ({
        id: 's',
        type: 'pi30-set',
        inverter: 'inv',
        command: 'POP',
        value: '',
        onlyIfChanged: true,
        verify: true,
        wires: [['out']],
        ...extra,
    });
    const flowWith = (extra) => [
        inverterConfig(worker.endpoint, { protocol: 'PI30' }),
        setNode(extra),
        { id: 'out', type: 'helper', wires: [] },
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', wires: [] },
    ];
    const setting = async (field) =>
        (await worker.request({ op: 'query', command: 'QPIRI' })).data[field];

    it('sets a value given as a label, then skips the same write (only if changed)', async () => {
        await load(flowWith());
        const out = collector(helper.getNode('out'));
        const s = helper.getNode('s');
        s.receive({ payload: 'Utility first', keep: 'me' });
        let msg = await out.next();
        assert.deepEqual(msg.payload, {
            ok: true,
            command: 'POP',
            sent: 'POP00',
            changed: true,
            verified: true,
        });
        assert.equal(msg.keep, 'me');
        assert.equal(await setting('output_source_priority'), 'Utility first');

        s.receive({ payload: 'Utility first' });
        msg = await out.next();
        assert.deepEqual(msg.payload, {
            ok: true,
            command: 'POP',
            sent: null,
            changed: false,
            verified: true,
        });

        s.receive({ payload: 'SBU first' });
        msg = await out.next();
        assert.equal(msg.payload.sent, 'POP02');
        assert.equal(await setting('output_source_priority'), 'SBU first');
    });

    it('writes again when only-if-changed is off; codes and numbers work too', async () => {
        await load(flowWith({ command: 'PCP', onlyIfChanged: false }));
        const out = collector(helper.getNode('out'));
        const s = helper.getNode('s');
        s.receive({ payload: 3 });
        let msg = await out.next();
        assert.equal(msg.payload.sent, 'PCP03');
        s.receive({ payload: '03' });
        msg = await out.next();
        assert.deepEqual(msg.payload, {
            ok: true,
            command: 'PCP',
            sent: 'PCP03',
            changed: true,
            verified: true,
        });
        assert.equal(await setting('charger_source_priority'), 'Only solar charging permitted');
        s.receive({ payload: 'Solar first' });
        await out.next();
    });

    it('verify reports false when the inverter acknowledges but keeps its old value', async () => {
        await load(flowWith({ command: 'MUCHGC' }));
        const out = collector(helper.getNode('out'));
        const before = await setting('max_ac_charging_current');
        const other = before === 10 ? 20 : 10;
        await simCall(worker.control, { op: 'ignore_writes', enabled: true });
        helper.getNode('s').receive({ payload: other });
        const msg = await out.next();
        assert.equal(msg.payload.ok, true);
        assert.equal(msg.payload.changed, true);
        assert.equal(msg.payload.verified, false);
        assert.equal(await setting('max_ac_charging_current'), before);
    });

    it('verify off: verified is null', async () => {
        await load(flowWith({ command: 'MUCHGC', verify: false, onlyIfChanged: false }));
        const out = collector(helper.getNode('out'));
        helper.getNode('s').receive({ payload: 20 });
        const msg = await out.next();
        assert.deepEqual(msg.payload, {
            ok: true,
            command: 'MUCHGC',
            sent: 'MUCHGC020',
            changed: true,
            verified: null,
        });
    });

    it('an invalid value goes to a Catch node with INVALID_VALUE and what is allowed', async () => {
        await load(flowWith({ command: 'MUCHGC' }));
        const out = collector(helper.getNode('out'));
        const err = collector(helper.getNode('err'));
        helper.getNode('s').receive({ payload: 25, keep: 1 });
        const caught = await err.next();
        assert.equal(caught.error.code, 'INVALID_VALUE');
        assert.match(caught.error.message, /^INVALID_VALUE: MUCHGC: 25 is not allowed/);
        // the allowed list is the unit's own (QMUCHGCR), as the worker read it
        const options = (await worker.request({ op: 'query', command: 'QMUCHGCR' })).data
            .max_ac_charging_current_options;
        assert.match(caught.error.message, new RegExp(`allowed: ${options.join(', ')}`));
        assert.equal(caught.keep, 1);
        await sleep(50);
        assert.equal(out.received.length, 0);
    });

    it('a dangerous setter is refused with NOT_ALLOWED; a missing setter with INVALID_REQUEST', async () => {
        await load(flowWith({ command: '' }));
        const err = collector(helper.getNode('err'));
        helper.getNode('s').receive({ command: 'PF' });
        assert.equal((await err.next()).error.code, 'NOT_ALLOWED');
        helper.getNode('s').receive({ payload: 1 });
        assert.equal((await err.next()).error.code, 'INVALID_REQUEST');
    });

    it('takes the setter from msg.command and the value from the node', async () => {
        await load(flowWith({ command: '', value: 'Solar first' }));
        const out = collector(helper.getNode('out'));
        helper.getNode('s').receive({ command: 'pop', payload: 'ignored' });
        const msg = await out.next();
        assert.equal(msg.payload.command, 'POP');
        assert.equal(await setting('output_source_priority'), 'Solar first');
        helper.getNode('s').receive({ command: 'POP', payload: 'ignored' });
        assert.equal((await out.next()).payload.changed, false);
        await worker.request({ op: 'set', command: 'POP', value: 'SBU first' });
    });

    it('a Value written as JSON is sent as a list (flag letters for PE)', async () => {
        await worker.request({ op: 'set', command: 'PD', value: ['x', 'y'] });
        await load(flowWith({ command: 'PE', value: '["x", "y"]' }));
        const out = collector(helper.getNode('out'));
        helper.getNode('s').receive({ payload: 'ignored' });
        const msg = await out.next();
        assert.equal(msg.payload.sent, 'PExy');
        const flags = (await worker.request({ op: 'query', command: 'QFLAG' })).data;
        assert.equal(flags.lcd_backlight, true);
        assert.equal(flags.primary_source_interrupt_alarm, true);
    });

    it('PE/PD with a flag in the node and a boolean payload enables or disables it', async () => {
        await load(flowWith({ command: 'PE', value: 'buzzer' }));
        const out = collector(helper.getNode('out'));
        const flags = async () => (await worker.request({ op: 'query', command: 'QFLAG' })).data;
        helper.getNode('s').receive({ payload: false });
        let msg = await out.next();
        assert.equal(msg.payload.command, 'PD');
        assert.equal((await flags()).buzzer, false);
        helper.getNode('s').receive({ payload: true });
        msg = await out.next();
        assert.equal(msg.payload.command, 'PE');
        assert.equal(msg.payload.sent, 'PEa');
        assert.equal((await flags()).buzzer, true);
    });
});
