'use strict';
/**
 * Home Assistant's documented MQTT discovery schema (2024.3) for the components the HA device
 * node publishes: the keys each component takes (full names), the required ones, and the unit
 * and state-class rules HA enforces for sensor device classes. A config HA would reject (or
 * silently ignore a key of) fails here with the reason.
 */

const COMMON = [
    'availability',
    'availability_mode',
    'availability_template',
    'availability_topic',
    'device',
    'enabled_by_default',
    'encoding',
    'entity_category',
    'entity_picture',
    'icon',
    'json_attributes_template',
    'json_attributes_topic',
    'name',
    'object_id',
    'origin',
    'payload_available',
    'payload_not_available',
    'qos',
    'unique_id',
    'value_template',
    'state_topic',
];
const KEYS = {
    sensor: [
        ...COMMON,
        'device_class',
        'expire_after',
        'force_update',
        'last_reset_value_template',
        'options',
        'suggested_display_precision',
        'state_class',
        'unit_of_measurement',
    ],
    binary_sensor: [
        ...COMMON,
        'device_class',
        'expire_after',
        'force_update',
        'off_delay',
        'payload_off',
        'payload_on',
    ],
    select: [...COMMON, 'command_template', 'command_topic', 'options', 'optimistic', 'retain'],
    number: [
        ...COMMON,
        'command_template',
        'command_topic',
        'device_class',
        'max',
        'min',
        'mode',
        'optimistic',
        'payload_reset',
        'retain',
        'step',
        'unit_of_measurement',
    ],
};
const REQUIRED = {
    sensor: ['state_topic'],
    binary_sensor: ['state_topic'],
    select: ['command_topic', 'options'],
    number: ['command_topic'],
};
const DEVICE_KEYS = [
    'configuration_url',
    'connections',
    'hw_version',
    'identifiers',
    'manufacturer',
    'model',
    'name',
    'suggested_area',
    'sw_version',
    'via_device',
    'serial_number',
];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
// sensor device classes: units HA accepts, state classes it accepts
const SENSOR_UNITS = {
    apparent_power: ['VA'],
    battery: ['%'],
    current: ['A', 'mA'],
    duration: ['d', 'h', 'min', 'ms', 's'],
    energy: ['GJ', 'MJ', 'MWh', 'Wh', 'kWh'],
    frequency: ['GHz', 'Hz', 'MHz', 'kHz'],
    power: ['W', 'kW'],
    power_factor: ['%'],
    temperature: ['K', '°C', '°F'],
    voltage: ['V', 'mV'],
    enum: [],
    timestamp: [],
    date: [],
};
const SENSOR_STATE_CLASSES = {
    apparent_power: ['measurement'],
    battery: ['measurement'],
    current: ['measurement'],
    duration: ['measurement', 'total', 'total_increasing'],
    energy: ['total', 'total_increasing'],
    frequency: ['measurement'],
    power: ['measurement'],
    power_factor: ['measurement'],
    temperature: ['measurement'],
    voltage: ['measurement'],
    enum: [],
    timestamp: [],
    date: [],
};
const BINARY_SENSOR_CLASSES = [
    'battery',
    'battery_charging',
    'carbon_monoxide',
    'cold',
    'connectivity',
    'door',
    'garage_door',
    'gas',
    'heat',
    'light',
    'lock',
    'moisture',
    'motion',
    'moving',
    'occupancy',
    'opening',
    'plug',
    'power',
    'presence',
    'problem',
    'running',
    'safety',
    'smoke',
    'sound',
    'tamper',
    'update',
    'vibration',
    'window',
];
const NUMBER_CLASSES = [
    'voltage',
    'current',
    'power',
    'energy',
    'frequency',
    'temperature',
    'duration',
    'battery',
];

/** Problems with one discovery config ([] when HA takes it as is). */
function problems(component, config) {
    const out = [];
    const allowed = KEYS[component];
    if (!allowed) return [`unknown component ${component}`];
    for (const key of Object.keys(config))
        if (!allowed.includes(key)) out.push(`${component} takes no "${key}"`);
    for (const key of REQUIRED[component])
        if (config[key] === undefined) out.push(`${component} needs "${key}"`);
    if (config.device) {
        for (const key of Object.keys(config.device))
            if (!DEVICE_KEYS.includes(key)) out.push(`device takes no "${key}"`);
        if (!Array.isArray(config.device.identifiers) || !config.device.identifiers.length)
            out.push('device needs identifiers');
    }
    if (config.origin) {
        for (const key of Object.keys(config.origin))
            if (!ORIGIN_KEYS.includes(key)) out.push(`origin takes no "${key}"`);
        if (!config.origin.name) out.push('origin needs a name');
    }
    if (config.unique_id !== undefined && !/^[A-Za-z0-9_-]+$/.test(config.unique_id))
        out.push('unique_id: letters, digits, _ and -');
    if (
        config.entity_category !== undefined &&
        !['config', 'diagnostic'].includes(config.entity_category)
    )
        out.push(`entity_category ${config.entity_category}`);
    if (component === 'sensor' && config.entity_category === 'config')
        out.push('a sensor cannot be a config entity');
    if (
        config.expire_after !== undefined &&
        !(Number.isInteger(config.expire_after) && config.expire_after > 0)
    )
        out.push('expire_after: a positive integer');
    if (component === 'sensor') {
        const dc = config.device_class;
        if (config.options !== undefined && dc !== 'enum')
            out.push('options need device_class enum');
        if (dc === 'enum') {
            if (!Array.isArray(config.options) || !config.options.length)
                out.push('an enum sensor needs options');
            if (config.unit_of_measurement !== undefined || config.state_class !== undefined)
                out.push('an enum sensor has no unit or state_class');
        } else if (dc !== undefined) {
            if (!(dc in SENSOR_UNITS)) out.push(`sensor device_class ${dc} unknown here`);
            else {
                if (!SENSOR_UNITS[dc].includes(config.unit_of_measurement))
                    out.push(`${dc}: unit ${config.unit_of_measurement} not accepted`);
                if (
                    config.state_class !== undefined &&
                    !SENSOR_STATE_CLASSES[dc].includes(config.state_class)
                )
                    out.push(`${dc}: state_class ${config.state_class} not accepted`);
            }
        }
        if (
            config.state_class !== undefined &&
            !['measurement', 'total', 'total_increasing'].includes(config.state_class)
        )
            out.push(`state_class ${config.state_class}`);
    }
    if (
        component === 'binary_sensor' &&
        config.device_class !== undefined &&
        !BINARY_SENSOR_CLASSES.includes(config.device_class)
    ) {
        out.push(`binary_sensor device_class ${config.device_class}`);
    }
    if (component === 'number') {
        if (!(Number(config.min) < Number(config.max))) out.push('number: min < max');
        if (!(Number(config.step) > 0)) out.push('number: step > 0');
        if (config.mode !== undefined && !['auto', 'box', 'slider'].includes(config.mode))
            out.push(`number mode ${config.mode}`);
        if (config.device_class !== undefined && !NUMBER_CLASSES.includes(config.device_class))
            out.push(`number device_class ${config.device_class}`);
    }
    if (
        component === 'select' &&
        (!Array.isArray(config.options) || config.options.some((o) => typeof o !== 'string'))
    ) {
        out.push('select options: a list of strings');
    }
    return out;
}

module.exports = { problems };
