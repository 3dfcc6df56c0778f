'use strict';
/**
 * pi30-inverter: config node for one pi30-worker (one inverter). Holds the one shared DEALER
 * connection, optionally runs the worker itself (managed mode), keeps the link state that
 * every node using it shows, and serves the editor's catalogue endpoints.
 */

const { WorkerClient, STATES } = require('../lib/client');
const { ManagedWorker, serveArguments } = require('../lib/worker-process');
const { findPython } = require('../lib/python-finder');
const { CatalogueIndex, snapshotFor, PROTOCOLS } = require('../lib/catalogue');
const { Pi30Error } = require('../lib/errors');

const DEFAULT_ENDPOINT = 'tcp://127.0.0.1:5630';
// The slowest answer (QPGSn, ~143 bytes = 0.6 s at 2400 baud) plus inverter latency, tried up
// to 3 times by the worker; a setter with read-before and verify is 3 transactions; plus time
// waiting in the worker's queue behind other flows.
const DEFAULT_TIMEOUT_MS = 10000;
const HEALTH_EVERY_MS = 15000;
// the worker's answers that say the text is no setter it would take
const REFUSED_TEXT = new Set(['UNKNOWN_COMMAND', 'INVALID_VALUE', 'INVALID_REQUEST']);
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

module.exports = function (RED) {
    function Pi30InverterNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.name = config.name || '';
        node.endpoint = String(config.endpoint || DEFAULT_ENDPOINT).trim();
        // the worker takes deadlines up to 10 minutes
        node.timeout =
            Number(config.timeout) > 0
                ? Math.min(Number(config.timeout), 600000)
                : DEFAULT_TIMEOUT_MS;
        // 'auto': the worker identifies the unit (variant and device profile) at connect
        node.protocol =
            PROTOCOLS.includes(config.protocol) || config.protocol === 'auto'
                ? config.protocol
                : 'PI30';
        node.managed = config.managed === true || config.managed === 'true';
        node.python = String(config.python || '').trim(); // empty: the first suitable one found
        node.serialPort = String(config.serialPort || '').trim();

        node.health = null; // last health reply
        node.portState = null; // connected | reconnecting | unavailable | null (unknown)
        node.portError = '';
        node.liveCatalogue = null;
        const listeners = new Map(); // user node -> callback(link)
        let lastLink = null;
        let healthTimer = null;
        let closing = false;

        const creds = node.credentials || {};
        let curve = null;
        if (creds.serverKey) {
            const bad = ['serverKey', 'publicKey', 'secretKey'].filter(
                (k) => !Z85_KEY.test(creds[k] || ''),
            );
            if (bad.length) {
                node.error(RED._('pi30-inverter.errors.bad-keys', { keys: bad.join(', ') }));
            } else {
                curve = {
                    serverKey: creds.serverKey,
                    publicKey: creds.publicKey,
                    secretKey: creds.secretKey,
                };
            }
        }

        node.client = new WorkerClient({
            endpoint: node.endpoint,
            timeout: node.timeout,
            curve,
            // a managed worker needs a moment to import and bind before it answers
            connectGraceMs: node.managed ? 15000 : 3000,
        });

        /** {state, detail}: what every user node shows */
        node.link = function () {
            const s = node.client.state;
            if (s === STATES.CONNECTED) {
                if (node.portState === 'unavailable')
                    return { state: 'port-unavailable', detail: node.portError };
                if (node.portState === 'reconnecting')
                    return { state: 'port-reconnecting', detail: node.portError };
                return { state: 'connected', detail: '' };
            }
            return { state: s, detail: node.client.stateDetail };
        };

        function announce() {
            const link = node.link();
            if (lastLink && lastLink.state === link.state) return;
            const previous = lastLink;
            lastLink = link;
            if (!closing) {
                // One log line per change of state, never one per failed request.
                const where = node.endpoint;
                if (link.state === 'connected') {
                    node.log(RED._('pi30-inverter.log.connected', { endpoint: where }));
                } else if (link.state === 'unreachable' && previous) {
                    node.warn(
                        RED._('pi30-inverter.log.unreachable', {
                            endpoint: where,
                            detail: link.detail,
                        }),
                    );
                } else if (
                    link.state === 'port-unavailable' ||
                    link.state === 'port-reconnecting'
                ) {
                    node.warn(
                        RED._('pi30-inverter.log.port-unavailable', { detail: link.detail || '?' }),
                    );
                } else if (link.state === 'auth-failed') {
                    node.error(
                        RED._('pi30-inverter.log.auth-failed', {
                            endpoint: where,
                            detail: link.detail,
                        }),
                    );
                }
            }
            for (const callback of listeners.values()) callback(link);
        }

        function setPort(state, error) {
            node.portState = state;
            node.portError = error || '';
            announce();
        }

        async function refreshHealth() {
            try {
                const reply = await node.client.request(
                    'health',
                    {},
                    { timeout: Math.min(node.timeout, 5000) },
                );
                node.health = reply;
                followProfile(reply);
                const port = reply.port || {};
                const last = port.last_error;
                setPort(
                    port.state || null,
                    last && typeof last === 'object' ? `${last.code}: ${last.message}` : last || '',
                );
            } catch (err) {
                /* the link state already says what went wrong */
            }
        }

        /** Replies carry the worker's device profile: fetch the unit's own catalogue once the
         *  worker has identified the unit (or identified another one). */
        function followProfile(reply) {
            if (
                reply &&
                reply.profile &&
                node.liveCatalogue &&
                node.liveCatalogue.profile !== reply.profile
            )
                refreshCatalogue();
        }

        const resolved = new Map(); // query text -> the worker's resolution (stable per profile)
        /** Fetch the worker's catalogue (its setters' values follow what it read of the unit). */
        async function refreshCatalogue(timeout = Math.min(node.timeout, 5000)) {
            try {
                const reply = await node.client.request('catalogue', {}, { timeout });
                const data =
                    reply.catalogue && Array.isArray(reply.catalogue.commands)
                        ? reply.catalogue
                        : reply;
                const before = node.liveCatalogue;
                node.liveCatalogue = new CatalogueIndex(data, 'worker');
                if (!before || before.profile !== node.liveCatalogue.profile) resolved.clear();
            } catch (err) {
                /* the snapshot stays in use */
            }
        }
        node.refreshCatalogue = refreshCatalogue;

        /**
         * What a command text is (QPGS1 -> the query QPGS, POP02 -> the setter POP with "02"):
         * the worker's `resolve` answer, with the served entry for the unit. When the worker
         * cannot be asked, an exact name of the catalogue in use; null when unknown.
         */
        node.resolve = async function (text) {
            const key = String(text || '')
                .trim()
                .toUpperCase();
            if (!key) return null;
            if (resolved.has(key)) return resolved.get(key);
            try {
                const reply = await node.request(
                    'resolve',
                    { command: key },
                    { timeout: Math.min(node.timeout, 5000) },
                );
                // a setter's values follow the unit's facts: ask again next time
                if (reply.kind === 'query') resolved.set(key, reply);
                return reply;
            } catch (err) {
                if (err.code === 'UNKNOWN_COMMAND') return null;
                const entry = node.catalogue().command(key);
                return entry ? { name: entry.name, arg: null, kind: entry.kind, entry } : null;
            }
        };

        node.client.on('state', (state) => {
            if (state === STATES.CONNECTED) {
                node.portState = null;
                refreshHealth();
                refreshCatalogue();
                if (!healthTimer) healthTimer = setInterval(refreshHealth, HEALTH_EVERY_MS);
            } else if (healthTimer) {
                clearInterval(healthTimer);
                healthTimer = null;
            }
            announce();
        });
        node.client.on('warning', (text) => node.debug(text));

        /** The catalogue: the worker's when we have it, else the snapshot for `protocol`. */
        node.catalogue = function () {
            return node.liveCatalogue || CatalogueIndex.fromSnapshot(node.protocol);
        };

        /**
         * One request to the worker. Keeps the port state up to date from its outcome.
         * @returns {Promise<object>} the reply; rejects with a Pi30Error carrying `code`
         */
        node.request = async function (op, fields, opts) {
            try {
                const reply = await node.client.request(op, fields, opts);
                followProfile(reply);
                if (
                    (op === 'query' || op === 'set') &&
                    node.portState !== 'connected' &&
                    node.portState !== null
                ) {
                    setPort('connected', '');
                }
                return reply;
            } catch (err) {
                if (err.code === 'PORT_UNAVAILABLE' && node.portState !== 'unavailable') {
                    setPort('unavailable', err.reason || err.message);
                }
                throw err;
            }
        };

        /** A user node subscribes to link changes; it gets the current state at once. */
        node.subscribe = function (userNode, callback) {
            listeners.set(userNode, callback);
            callback(node.link());
        };
        node.unsubscribe = function (userNode) {
            listeners.delete(userNode);
        };

        if (node.managed) {
            if (!node.serialPort) {
                node.error(RED._('pi30-inverter.errors.no-serial-port'));
            } else {
                node.worker = new ManagedWorker({
                    locate: () => findPython({ configured: node.python }),
                    args: serveArguments({
                        serialPort: node.serialPort,
                        endpoint: node.endpoint,
                        protocol: node.protocol,
                        readOnly: config.readOnly === true || config.readOnly === 'true',
                        allowSet: config.allowSet,
                        auditLog: String(config.auditLog || '').trim(),
                    }),
                    log: (level, line) => {
                        const text = '[pi30-worker] ' + line;
                        if (level === 'error') node.error(text);
                        else if (level === 'warn') node.warn(text);
                        else if (level === 'debug') node.debug(text);
                        else node.log(text);
                    },
                });
                node.worker.on('start', (pid) =>
                    node.log(RED._('pi30-inverter.log.started', { pid })),
                );
                node.worker.start();
            }
        }
        node.client.start();

        node.on('close', function (removed, done) {
            closing = true;
            if (healthTimer) clearInterval(healthTimer);
            healthTimer = null;
            listeners.clear();
            const stopping = [node.client.close()];
            if (node.worker) stopping.push(node.worker.stop());
            Promise.all(stopping)
                .catch((err) => node.warn(err.message))
                .then(() => done());
        });
    }

    RED.nodes.registerType('pi30-inverter', Pi30InverterNode, {
        credentials: {
            serverKey: { type: 'text' },
            publicKey: { type: 'text' },
            secretKey: { type: 'password' },
        },
    });

    // ---- editor endpoints --------------------------------------------------------------
    const permission = RED.auth.needsPermission('pi30.read');
    const liveInverter = (id) => {
        const n = id ? RED.nodes.getNode(String(id)) : null;
        return n && n.type === 'pi30-inverter' && typeof n.request === 'function' ? n : null;
    };
    const protocolOf = (req, inverter) => {
        const asked = String(req.query.protocol || '');
        if (PROTOCOLS.includes(asked)) return asked;
        return inverter ? inverter.protocol : 'PI30';
    };

    // The catalogue for the editor's dropdowns: live from the worker, else the snapshot.
    RED.httpAdmin.get('/pi30/catalogue', permission, async (req, res) => {
        const inverter = liveInverter(req.query.inverter);
        // no catalogue yet, or the worker's stand-in while it identifies the unit: ask again
        const unsettled = inverter && !(inverter.liveCatalogue && inverter.liveCatalogue.profile);
        if (unsettled && inverter.client.state === STATES.CONNECTED)
            await inverter.refreshCatalogue(3000);
        if (inverter && inverter.liveCatalogue) {
            const c = inverter.liveCatalogue;
            res.json({
                source: 'worker',
                protocol: c.protocol,
                profile: c.profile,
                commands: c.commands,
            });
            return;
        }
        const protocol = protocolOf(req, inverter);
        const snap = snapshotFor(protocol);
        res.json({ source: 'snapshot', protocol: snap.protocol, commands: snap.commands });
    });

    // Value suggestions for one setter: the worker's for its unit (it reads the facts they
    // depend on), else the catalogue's. The worker resolves whole texts (POP02).
    RED.httpAdmin.get('/pi30/setter-values', permission, async (req, res) => {
        const inverter = liveInverter(req.query.inverter);
        const notSetter = (message) =>
            res.status(404).json({ error: { code: 'UNKNOWN_COMMAND', message } });
        if (inverter && inverter.client.state === STATES.CONNECTED) {
            try {
                const r = await inverter.request(
                    'resolve',
                    { command: String(req.query.command || '') },
                    { timeout: 4000 },
                );
                if (r.kind !== 'setter') return notSetter(`not a setter: ${req.query.command}`);
                return res.json({ command: r.name, dangerous: !!r.dangerous, ...r.entry.values });
            } catch (err) {
                if (REFUSED_TEXT.has(err.code)) return notSetter(err.message);
                /* no answer: the catalogue's values */
            }
        }
        const catalogue = inverter
            ? inverter.catalogue()
            : CatalogueIndex.fromSnapshot(protocolOf(req, null));
        const cmd = catalogue.command(req.query.command);
        if (!cmd || cmd.kind !== 'setter') return notSetter(`not a setter: ${req.query.command}`);
        res.json({ command: cmd.name, dangerous: !!cmd.dangerous, ...cmd.values });
    });

    // Link state and worker health for the config node's editor.
    RED.httpAdmin.get('/pi30/health', permission, async (req, res) => {
        const inverter = liveInverter(req.query.inverter);
        if (!inverter) {
            res.json({ link: { state: 'not-deployed', detail: '' } });
            return;
        }
        let health = null;
        let error = null;
        try {
            const { v, id, ...body } = await inverter.request('health', {}, { timeout: 3000 });
            health = body;
        } catch (err) {
            error =
                err instanceof Pi30Error ? err.toJSON() : { code: 'ERROR', message: err.message };
        }
        res.json({
            link: inverter.link(),
            health,
            error,
            pid: inverter.worker ? inverter.worker.pid : null,
        });
    });
};
