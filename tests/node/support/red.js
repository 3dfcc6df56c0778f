'use strict';
/**
 * The real Node-RED 4 runtime through node-red-node-test-helper, with our nodes and the core
 * nodes the flows use, plus small helpers to collect messages, statuses and caught errors.
 */

const path = require('node:path');
const helper = require('node-red-node-test-helper');
const { WorkerProcess } = require('../../../scripts/lib/stack');

helper.init(require.resolve('node-red'));

const PKG = path.resolve(__dirname, '..', '..', '..', 'node-red-contrib-pi30');
const CORE = path.dirname(require.resolve('@node-red/nodes/package.json'));

// the node files the package declares: what Node-RED itself would load
const declared = require(path.join(PKG, 'package.json'))['node-red'].nodes;
const pi30Nodes = Object.values(declared).map((file) => require(path.join(PKG, file)));
const core = (rel) => require(path.join(CORE, 'core', rel));
const coreNodes = {
    inject: core('common/20-inject.js'),
    debug: core('common/21-debug.js'),
    catch: core('common/25-catch.js'),
    status: core('common/25-status.js'),
    complete: core('common/24-complete.js'),
    link: core('common/60-link.js'),
    comment: core('common/90-comment.js'),
    junction: core('common/05-junction.js'),
    function: core('function/10-function.js'),
    switch: core('function/10-switch.js'),
    change: core('function/15-change.js'),
    delay: core('function/89-delay.js'),
    trigger: core('function/89-trigger.js'),
    rbe: core('function/rbe.js'),
    mqtt: core('network/10-mqtt.js'),
};
const allNodes = [...pi30Nodes, ...Object.values(coreNodes)];

const TAB = 'tab1';

/** A flow tab plus nodes (each gets z: TAB when it has wires, i.e. is a flow node). */
function flow(nodes) {
    return [
        { id: TAB, type: 'tab', label: 'test' },
        ...nodes.map((n) => ('wires' in n ? { z: TAB, ...n } : n)),
    ];
}

function inverterConfig(endpoint, extra = {}) {
    return {
        id: 'inv',
        type: 'pi30-inverter',
        name: 'sim',
        endpoint,
        timeout: 5000,
        protocol: 'PI30MAX',
        ...extra,
    };
}

/** Collect messages arriving at a helper node; `next(n)` resolves with the next n messages. */
function collector(node) {
    const received = [];
    const waiters = [];
    node.on('input', (msg) => {
        received.push(msg);
        for (const w of [...waiters]) {
            if (received.length >= w.count) {
                waiters.splice(waiters.indexOf(w), 1);
                clearTimeout(w.timer);
                w.resolve(received.slice(0, w.count));
            }
        }
    });
    return {
        received,
        /** resolve when `count` messages in total have arrived */
        until(count, timeout = 8000) {
            if (received.length >= count) return Promise.resolve(received.slice(0, count));
            return new Promise((resolve, reject) => {
                const w = { count, resolve };
                w.timer = setTimeout(() => {
                    waiters.splice(waiters.indexOf(w), 1);
                    reject(new Error(`expected ${count} messages, got ${received.length}`));
                }, timeout);
                waiters.push(w);
            });
        },
        /** the next message after the ones already received */
        next(timeout) {
            return this.until(received.length + 1, timeout).then((all) => all[all.length - 1]);
        },
    };
}

/**
 * Mocha hooks of a suite on one real worker: the worker (WorkerProcess options) and the
 * Node-RED helper server start before its tests and stop after them; each test's flow is
 * unloaded after it. Returns the worker (its endpoint is known once the suite started).
 */
function withWorker(options) {
    const worker = new WorkerProcess(options);
    before(async () => {
        await worker.start();
        await helper.startServer();
    });
    after(async () => {
        await helper.stopServer();
        await worker.stop();
    });
    afterEach(() => helper.unload());
    return worker;
}

async function load(nodes, credentials) {
    await helper.load(allNodes, flow(nodes), credentials || {});
}

module.exports = {
    helper,
    load,
    flow,
    inverterConfig,
    collector,
    withWorker,
    allNodes,
    pi30Nodes,
    coreNodes,
    TAB,
    PKG,
};
