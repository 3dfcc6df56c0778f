'use strict';
/**
 * pi30-health: the worker's health for flows. "link" output: msg.payload = true when the
 * worker answers and holds the inverter port, false otherwise (an "inverter link OK" binary
 * sensor), sent on input, every `interval` seconds and at once when the link changes.
 * "object" output: msg.payload = the worker's health map; failures go to Catch nodes.
 */

const { StatusView, FailureStreak, requireInverter, isShutdown } = require('../lib/node-support');

module.exports = function (RED) {
    function Pi30HealthNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.interval = Number(config.interval) > 0 ? Number(config.interval) : 0; // seconds
        node.output = config.output === 'object' ? 'object' : 'link';

        const inverter = requireInverter(RED, node, config);
        if (!inverter) return;

        const view = new StatusView(RED, node);
        const streak = new FailureStreak();
        let closing = false;
        let running = false;
        let timer = null;
        let lastLinkState = null;

        function health(msg) {
            return inverter.request('health').then(
                (reply) => {
                    const { v, id, ...body } = reply;
                    const port = (body.port && body.port.state) || 'unknown';
                    if (node.output === 'link') {
                        const up = port === 'connected';
                        msg.payload = up;
                        msg.topic = 'link';
                        msg.health = body;
                        if (up) delete msg.reason;
                        else msg.reason = 'PORT_UNAVAILABLE';
                    } else {
                        msg.payload = body;
                        msg.topic = 'health';
                    }
                    if (port === 'connected') view.keyed('green', 'pi30-health', 'link-ok');
                    else view.keyed('yellow', 'pi30-inverter', 'port-unavailable');
                    return msg;
                },
                (err) => {
                    if (isShutdown(err)) throw err;
                    view.failed(err);
                    if (node.output === 'object') throw err;
                    // link mode: "down" is the answer, not an error
                    msg.payload = false;
                    msg.topic = 'link';
                    msg.reason = err.code;
                    return msg;
                },
            );
        }

        node.on('input', (msg, send, done) => {
            health(msg)
                .then((out) => {
                    if (closing) return done();
                    send(out);
                    done();
                })
                .catch((err) => (closing || isShutdown(err) ? done() : done(err)));
        });

        function tick() {
            if (running || closing) return;
            running = true;
            const msg = { _msgid: RED.util.generateId() };
            health(msg)
                .then((out) => {
                    if (closing) return;
                    streak.succeeded();
                    node.send(out);
                })
                .catch((err) => {
                    if (!closing && !isShutdown(err) && streak.failed(err.code))
                        node.error(err, msg);
                })
                .finally(() => {
                    running = false;
                });
        }

        inverter.subscribe(node, (link) => {
            view.setLink(link);
            // In link mode a change of the link is news: say it now, not at the next tick.
            if (node.output === 'link' && lastLinkState !== null && lastLinkState !== link.state) {
                setImmediate(tick);
            }
            lastLinkState = link.state;
        });

        if (node.interval > 0) {
            timer = setInterval(tick, node.interval * 1000);
            setImmediate(tick);
        }

        node.on('close', (removed, done) => {
            closing = true;
            if (timer) clearInterval(timer);
            timer = null;
            inverter.unsubscribe(node);
            done();
        });
    }

    RED.nodes.registerType('pi30-health', Pi30HealthNode);
};
