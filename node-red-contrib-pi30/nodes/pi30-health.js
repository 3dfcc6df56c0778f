'use strict';
/**
 * pi30-health: the worker's health for flows. "link" output: msg.payload = true when the
 * worker answers and holds the inverter port, false otherwise (an "inverter link OK" binary
 * sensor), sent on input, every `interval` seconds and at once when the link changes.
 * "object" output: msg.payload = the worker's health map; failures go to Catch nodes.
 */

const { bindInverter, handleInput, startPolling, isShutdown } = require('../lib/node-support');

module.exports = function (RED) {
    function Pi30HealthNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.interval = Number(config.interval) > 0 ? Number(config.interval) : 0; // seconds
        node.output = config.output === 'object' ? 'object' : 'link';

        const binding = bindInverter(RED, node, config);
        if (!binding) return;
        const { inverter, view } = binding;

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
                    if (isShutdown(err) || node.output === 'object') throw err;
                    view.failed(err);
                    // link mode: "down" is the answer, not an error
                    msg.payload = false;
                    msg.topic = 'link';
                    msg.reason = err.code;
                    return msg;
                },
            );
        }

        handleInput(node, binding, health);
        const poller = startPolling(RED, node, binding, { seconds: node.interval, run: health });

        let lastLinkState = null;
        binding.onLink((link) => {
            // In link mode a change of the link is news: say it now, not at the next tick.
            if (node.output === 'link' && lastLinkState !== null && lastLinkState !== link.state) {
                setImmediate(poller.poll);
            }
            lastLinkState = link.state;
        });
    }

    RED.nodes.registerType('pi30-health', Pi30HealthNode);
};
