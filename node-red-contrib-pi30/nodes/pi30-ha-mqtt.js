'use strict';
/**
 * pi30-ha-mqtt ("HA device"): every field of every polled command as an entity of one Home
 * Assistant device, through MQTT discovery. Input: pi30-query answers (object mode),
 * pi30-health messages, and the command topics from a core `mqtt in`. Output 1: retained
 * discovery configs, states and availability for a core `mqtt out`. Output 2: setter requests
 * for pi30-set (msg.command + msg.payload) when a select or number is changed in HA.
 */

const { Pi30Error } = require('../lib/errors');
const { bindInverter, handleInput, text } = require('../lib/node-support');
const ha = require('../lib/ha-discovery');

const PUBLISHED_KEY = 'pi30HaPublished'; // context: config topics published, for removals

module.exports = function (RED) {
    function Pi30HaMqttNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        const options = {
            discoveryPrefix: text(config.discoveryPrefix) || 'homeassistant',
            baseTopic: text(config.baseTopic) || 'pi30',
            deviceName: text(config.deviceName) || 'Inverter',
            expireAfter: Number(config.expireAfter) > 0 ? Number(config.expireAfter) : 0,
            controls: config.controls !== false && config.controls !== 'false',
        };
        const wanted = ha.commandFilter(config.commands);
        const skip = ha.fieldFilter(config.exclude);

        const binding = bindInverter(RED, node, config);
        if (!binding) return;
        const { inverter, view } = binding;
        options.protocol = inverter.protocol;

        let topics = null; // known once the device identity is
        let device = null;
        let online = null;
        const pending = new Map(); // command -> data, answers that came before the identity
        const published = new Map(); // config topic -> JSON published this run
        const controls = new Map(); // setter -> whether its value is a number
        const latest = new Map(); // command -> its last data
        const previous = new Set(); // config topics published before this deploy (context)
        let entities = 0;

        function remember() {
            node.context().set(PUBLISHED_KEY, [...new Set([...published.keys(), ...previous])]);
        }

        function publish(send, topic, payload, retain = true) {
            send([{ topic, payload, retain, qos: 0 }, null]);
        }

        /** Identity from a health report's device block (QID serial, QMN, QVFW). */
        function identify(send, health) {
            if (topics || !health || !health.device) return;
            const identity = health.device;
            if (!Object.values(identity).some((v) => v !== null && v !== undefined)) return;
            const id = ha.slug(`pi30_${identity.serial || inverter.id}`);
            topics = new ha.Topics(options, id);
            for (const topic of node.context().get(PUBLISHED_KEY) || []) previous.add(topic);
            device = ha.deviceBlock(id, identity, options);
            const link = ha.linkEntity(topics, device);
            sendConfig(send, link.topic, link.config);
            // entities of commands no longer exposed go now; the others when their answer
            // shows which fields are still there
            for (const topic of previous) {
                const command = commandOfTopic(topic);
                if (command !== null && !wanted(command)) clearConfig(send, topic);
            }
            const waiting = [...pending];
            pending.clear();
            return waiting.reduce(
                (done, [command, data]) => done.then(() => answer(send, command, data)),
                Promise.resolve(),
            );
        }

        /** The query a published config topic belongs to (command names hold no "_"). */
        /** The config node's health report may predate the identity reads: ask the worker. */
        let asking = false;
        function askIdentity() {
            if (asking || topics) return;
            asking = true;
            inverter
                .request('health')
                .then((reply) => {
                    // in turn with the messages: it answers the ones waiting for the identity
                    queue = queue
                        .then(() => identify(node.send.bind(node), reply))
                        .then(status, (err) => view.failed(err));
                })
                .catch(() => {
                    /* the link state says it; the next answer asks again */
                })
                .finally(() => {
                    asking = false;
                });
        }

        function commandOfTopic(topic) {
            const objectId = topic.split('/').slice(-2, -1)[0] || '';
            const [head, rest] = objectId.split(/_(.*)/s);
            if (head === 'set' && rest) {
                const setter = inverter.catalogue().command(rest);
                return setter && setter.readback ? setter.readback.query : null;
            }
            return rest ? head.toUpperCase() : null;
        }

        function sendConfig(send, topic, cfg) {
            const json = JSON.stringify(cfg);
            if (published.get(topic) === json) return;
            published.set(topic, json);
            previous.delete(topic);
            publish(send, topic, json);
            remember();
        }

        function clearConfig(send, topic) {
            previous.delete(topic);
            published.delete(topic);
            publish(send, topic, ''); // an empty retained config removes the entity
            remember();
        }

        /** An answer that tells the unit's facts (its current lists, its battery voltage) may
         * change the values the worker serves for the controls: fetch them again.
         * @returns {Promise<boolean>} whether it was such an answer, new */
        async function learn(command, data) {
            const before = latest.get(command);
            const isFact = inverter.catalogue().factQueries.includes(command);
            if (!isFact || JSON.stringify(before) === JSON.stringify(data)) return false;
            await inverter.refreshCatalogue();
            return true;
        }

        /** The served keys of a command's reading (QPGS1 -> QPGS's), from the worker. */
        async function keysOf(command) {
            const resolved = await inverter.resolve(command);
            return (resolved && resolved.entry.keys) || {};
        }

        async function answer(send, command, data) {
            setOnline(send, true); // an answer came: the link is up
            const learned = await learn(command, data);
            latest.set(command, data);
            if (learned && options.controls) {
                // the controls of the commands seen so far now know the unit's own values
                for (const [other, otherData] of latest) {
                    if (other === command) continue;
                    const ctx = {
                        command: other,
                        data: otherData,
                        keys: await keysOf(other),
                        topics,
                        device,
                        options,
                        skip,
                        catalogue: inverter.catalogue(),
                    };
                    for (const e of ha.controlEntities(ctx)) sendConfig(send, e.topic, e.config);
                }
            }
            const catalogue = inverter.catalogue();
            const keys = await keysOf(command);
            const ctx = { command, data, keys, topics, device, options, skip, catalogue };
            const list = ha.fieldEntities(ctx);
            if (options.controls) list.push(...ha.controlEntities(ctx));
            const prefix = `${options.discoveryPrefix}/`;
            const own = new Set(list.map((e) => e.topic));
            for (const e of list) {
                sendConfig(send, e.topic, e.config);
                if (e.setter) controls.set(e.setter, e.numeric);
            }
            // a field or control of this command that is no longer exposed: remove its entity
            for (const topic of [...previous, ...published.keys()]) {
                if (
                    own.has(topic) ||
                    !topic.startsWith(prefix) ||
                    !topic.includes(`/${topics.deviceId}/`)
                )
                    continue;
                if (commandOfTopic(topic) === command.toUpperCase()) clearConfig(send, topic);
            }
            entities = published.size;
            publish(send, topics.state(command), JSON.stringify(data));
        }

        function setOnline(send, up) {
            if (!topics || online === up) return;
            online = up;
            publish(send, topics.availability, up ? 'online' : 'offline');
        }

        function status() {
            if (!topics) view.warn(RED._('pi30-ha-mqtt.status.waiting'));
            else
                view.ok(
                    RED._('pi30-ha-mqtt.status.entities', { count: entities }) +
                        (online === false ? ' · ' + RED._('pi30-ha-mqtt.status.offline') : ''),
                );
        }

        async function handle(msg, send) {
            const setter = topics ? topics.setterOf(msg.topic) : null;
            if (setter !== null) {
                if (!controls.has(setter))
                    throw new Pi30Error(
                        'INVALID_REQUEST',
                        `no control for ${setter} on this device`,
                    );
                send([
                    null,
                    {
                        topic: setter,
                        command: setter,
                        payload: ha.commandValue(controls.get(setter), msg.payload),
                        _msgid: msg._msgid,
                    },
                ]);
                return;
            }
            if (
                typeof msg.topic === 'string' &&
                msg.topic.startsWith(`${options.baseTopic}/`) &&
                msg.topic.includes('/set/')
            ) {
                // another inverter's command (one `mqtt in` may serve several devices), or one
                // that came before this device was known: not for us
                return;
            }
            if (msg.topic === 'link' && typeof msg.payload === 'boolean') {
                await identify(send, msg.health || inverter.health);
                setOnline(send, msg.payload);
                return;
            }
            if (msg.topic === 'health' && msg.payload && typeof msg.payload === 'object') {
                await identify(send, msg.payload);
                setOnline(
                    send,
                    Boolean(msg.payload.port && msg.payload.port.state === 'connected'),
                );
                return;
            }
            const command = text(msg.pi30 && msg.pi30.command) || text(msg.topic);
            if (
                command &&
                msg.payload &&
                typeof msg.payload === 'object' &&
                !Array.isArray(msg.payload)
            ) {
                if (!(await inverter.resolve(command))) {
                    throw new Pi30Error(
                        'INVALID_REQUEST',
                        `${command}: not a command of the catalogue`,
                    );
                }
                if (!wanted(command)) return;
                await identify(send, inverter.health);
                if (!topics) {
                    pending.set(command, msg.payload);
                    askIdentity();
                    return;
                }
                await answer(send, command, msg.payload);
                return;
            }
            throw new Pi30Error(
                'INVALID_REQUEST',
                'expected a pi30-query answer (object output), a pi30-health message or a command topic of this device',
            );
        }

        // one message at a time: an answer may wait for the worker (its keys, its values)
        let queue = Promise.resolve();
        handleInput(node, binding, (msg, send) => {
            const turn = queue.then(() => handle(msg, send));
            queue = turn.catch(() => {}); // its failure is this message's, not the next one's
            return turn.then(() => {
                status();
                return null; // handle() sent what there was to send
            });
        });

        // The worker's link as seen by the inverter config node: availability follows it at
        // once, without waiting for the next pi30-health message.
        binding.onLink((link) => {
            if (!topics) return;
            const up = link.state === 'connected';
            if (online !== null && online !== up) {
                setOnline(node.send.bind(node), up);
                status();
            }
        });
    }

    RED.nodes.registerType('pi30-ha-mqtt', Pi30HaMqttNode);
};
