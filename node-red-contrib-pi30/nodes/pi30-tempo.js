'use strict';
/**
 * pi30-tempo: plans the inverter's settings for the EDF Tempo tariff. Inputs arrive as
 * messages routed by msg.topic (HA entity ids or pi30-query fields); outputs are one message
 * per setting for pi30-set (output 1) and the decision with its reason (output 2).
 */
const { TempoPlanner, OUTPUT, CHARGER } = require('../lib/tempo-planner');
const { statusKey } = require('../lib/node-support');

const INPUTS = [
    // kind, topic config key, property config key, default topic
    ['today', 'topicToday', 'propToday', 'sensor.rte_tempo_couleur_actuelle'],
    ['tomorrow', 'topicTomorrow', 'propTomorrow', 'sensor.rte_tempo_prochaine_couleur'],
    ['hc', 'topicHc', 'propHc', 'binary_sensor.rte_tempo_heures_creuses'],
    ['forecastToday', 'topicForecastToday', 'propForecastToday', 'sensor.energy_production_today_remaining'],
    ['forecastTomorrow', 'topicForecastTomorrow', 'propForecastTomorrow', 'sensor.energy_production_tomorrow'],
    ['soc', 'topicSoc', 'propSoc', 'battery_capacity'],
    ['clock', 'topicClock', 'propClock', ''],
];

function number(value, fallback) {
    const n = parseFloat(value);
    return Number.isFinite(n) ? n : fallback;
}

/** The unit of an energy value: the node's setting, else HA's unit_of_measurement, else auto. */
function energyUnit(msg, configured) {
    if (configured && configured !== 'auto') return configured;
    const attrs = (msg.data && ((msg.data.new_state && msg.data.new_state.attributes) || msg.data.attributes)) || {};
    return msg.unit || attrs.unit_of_measurement || 'auto';
}

function plannerOptions(config) {
    const policy = {};
    for (const colour of ['blue', 'white', 'red']) {
        policy[colour] = {
            hpOutput: config[`${colour}HpOutput`] || OUTPUT.sbu,
            hpCharger: CHARGER.solarOnly,
            hcCharge: config[`${colour}HcCharge`] === undefined ? colour === 'red' : !!config[`${colour}HcCharge`],
            hcOutput: config[`${colour}HcOutput`] || OUTPUT.utility,
        };
    }
    const steps = String(config.currentSteps || '').split(/[\s,;]+/).map(Number).filter((n) => n > 0);
    return {
        capacityKwh: number(config.capacityKwh, 10),
        batteryVoltage: number(config.batteryVoltage, 48),
        reserveSoc: number(config.reserveSoc, 25),
        maxSoc: number(config.maxSoc, 95),
        hysteresisSoc: number(config.hysteresisSoc, 3),
        maxGridCurrent: number(config.maxGridCurrent, 30),
        currentSteps: steps.length ? steps : undefined,
        hpUseKwh: {
            blue: number(config.hpUseBlue, 6),
            white: number(config.hpUseWhite, 7),
            red: number(config.hpUseRed, 9),
        },
        policy,
        unknownColourAs: config.unknownColourAs || 'white',
        safe: { output: config.safeOutput || OUTPUT.sbu, charger: config.safeCharger || CHARGER.solarOnly },
        staleMinutes: {
            colour: number(config.staleColour, 180),
            forecast: number(config.staleForecast, 180),
            soc: number(config.staleSoc, 15),
            hc: number(config.staleColour, 180),
        },
        minIntervalMinutes: number(config.minInterval, 30),
        startupGraceMinutes: number(config.startupGrace, 5),
        timeZone: config.timeZone || 'Europe/Paris',
    };
}

module.exports = function (RED) {
    function Pi30TempoNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        const planner = new TempoPlanner(plannerOptions(config));
        const routes = INPUTS.map(([kind, topicKey, propKey, fallback]) => ({
            kind,
            topic: config[topicKey] === undefined ? fallback : String(config[topicKey]).trim(),
            property: (config[propKey] || 'payload').trim(),
        })).filter((r) => r.topic);
        let lastDecisionKey = null;

        function route(msg, now) {
            let used = false;
            for (const r of routes) {
                if (msg.topic !== r.topic) continue;
                let value = RED.util.getMessageProperty(msg, r.property);
                if (r.kind === 'forecastToday' || r.kind === 'forecastTomorrow') {
                    value = { value, unit: energyUnit(msg, config.forecastUnit) };
                }
                if (r.kind === 'clock' && value && typeof value === 'object' && value.device_time) {
                    value = value.device_time;   // a pi30-query QT in object mode
                }
                used = planner.update(r.kind, value, now) || used;
            }
            // A pi30-query in object mode: take the SOC out of QPIGS, the time out of QT.
            if (msg.topic === 'QPIGS' && msg.payload && typeof msg.payload.battery_capacity === 'number') {
                used = planner.update('soc', msg.payload.battery_capacity, now) || used;
            }
            return used;
        }

        function evaluate(send, inputMsg) {
            const now = planner.now();
            const { decision, changes, held } = planner.plan(now);
            const base = {
                decision: { ...decision, held },
                reason: decision.reason,
            };
            const settingMsgs = changes.map((c) => ({
                ...base, topic: c.setting, command: c.command, payload: c.value,
            }));
            const key = JSON.stringify([decision.mode, decision.output, decision.charger, decision.current, decision.targetSoc]);
            let decisionMsg = null;
            if (key !== lastDecisionKey || (inputMsg && inputMsg.topic === 'tempo_report')) {
                lastDecisionKey = key;
                decisionMsg = { ...base, topic: 'tempo_decision', payload: decision.mode };
            }
            const colour = { failsafe: 'yellow', waiting: 'grey', charge: 'blue', peak: 'green', hold: 'green' }[decision.mode];
            // words through the message catalogue, data (SOC, amps, the unit's labels) as is
            const text = {
                charge: `⚡ ${Math.round(decision.targetSoc)} % · ${decision.current} A`,
                failsafe: statusKey('pi30-tempo', 'failsafe'),
                waiting: statusKey('pi30-tempo', 'waiting'),
                peak: `HP · ${decision.output}`,
                hold: `HC · ${decision.output}`,
            }[decision.mode] || `${decision.mode} · ${decision.output}`;
            node.status({ fill: colour, shape: ['failsafe', 'waiting'].includes(decision.mode) ? 'ring' : 'dot', text });
            if (settingMsgs.length || decisionMsg) send([settingMsgs.length ? settingMsgs : null, decisionMsg]);
        }

        node.on('input', (msg, send, done) => {
            try {
                if (msg.topic === 'tempo_reset') planner.resetSent();
                route(msg, planner.now());
                evaluate(send, msg);
                done();
            } catch (err) {
                done(err);
            }
        });

        const timer = setInterval(() => {
            try {
                evaluate((msgs) => node.send(msgs));
            } catch (err) {
                node.error(err);
            }
        }, 60e3);

        node.on('close', (removed, done) => {
            clearInterval(timer);
            done();
        });
        node.status({ fill: 'grey', shape: 'ring', text: statusKey('pi30-tempo', 'waiting') });
    }

    RED.nodes.registerType('pi30-tempo', Pi30TempoNode);
};

module.exports.plannerOptions = plannerOptions;
