/* Shared editor code for the pi30 nodes (served at resources/node-red-contrib-pi30/).
 * The catalogue comes from the runtime's admin endpoint: the live worker's when the chosen
 * pi30-inverter is deployed and connected, else the snapshot generated from the Python one. */
(function () {
    'use strict';
    if (window.PI30Editor) return;

    function protocolOf(inverterId) {
        var n = inverterId ? RED.nodes.node(inverterId) : null;
        return (n && n.protocol) || 'PI30';
    }

    /** Promise of {source, protocol, commands}; never rejects (null when unavailable). */
    function catalogue(inverterId) {
        return new Promise(function (resolve) {
            $.getJSON('pi30/catalogue', {
                inverter: inverterId || '',
                protocol: protocolOf(inverterId),
            })
                .done(function (data) {
                    resolve(data && Array.isArray(data.commands) ? data : null);
                })
                .fail(function () {
                    resolve(null);
                });
        });
    }

    /** The worker's own catalogue for the unit it identified: nothing newer will come. */
    function settled(cat) {
        return !!(cat && cat.source === 'worker' && cat.profile);
    }

    /**
     * Give the dialog the catalogue now, then again whenever it changes until it is the live
     * worker's for the identified unit: a dialog opened while the worker starts or probes the
     * unit shows the snapshot first and the unit's own list a few seconds later. Stops when
     * `isOpen()` turns false or the returned function is called.
     */
    function followCatalogue(inverterId, isOpen, onCatalogue) {
        var stopped = false;
        var shown = null;
        var tries = 0;
        function signature(cat) {
            return [
                cat.source,
                cat.protocol,
                cat.profile || '',
                cat.commands
                    .map(function (c) {
                        return c.name;
                    })
                    .join(','),
            ].join('|');
        }
        function step() {
            if (stopped || !isOpen()) return;
            catalogue(inverterId).then(function (cat) {
                if (stopped || !isOpen()) return;
                if (cat && signature(cat) !== shown) {
                    shown = signature(cat);
                    onCatalogue(cat);
                }
                tries += 1;
                if (inverterId && !settled(cat) && tries < FOLLOW_TRIES)
                    setTimeout(step, FOLLOW_EVERY_MS);
            });
        }
        step();
        return function () {
            stopped = true;
        };
    }
    var FOLLOW_EVERY_MS = 2000;
    var FOLLOW_TRIES = 60;

    /** Promise of {kind, values: [{value, label}], hint, source, dangerous} or null. */
    function setterValues(inverterId, command) {
        return new Promise(function (resolve) {
            if (!command) return resolve(null);
            $.getJSON('pi30/setter-values', {
                inverter: inverterId || '',
                protocol: protocolOf(inverterId),
                command: command,
            })
                .done(resolve)
                .fail(function () {
                    resolve(null);
                });
        });
    }

    function health(inverterId) {
        return new Promise(function (resolve) {
            $.getJSON('pi30/health', { inverter: inverterId || '' })
                .done(resolve)
                .fail(function (xhr) {
                    resolve({ link: { state: 'error', detail: xhr.statusText } });
                });
        });
    }

    /**
     * "QPGS1" -> ["QPGS", "1"] for the dialog's two inputs: a lookup by name in the served list
     * (the longest query name that takes an argument and starts the text). Whether the argument
     * is valid is the worker's to say; unknown -> [text, ""].
     */
    function splitCommand(text, commands) {
        text = String(text || '')
            .trim()
            .toUpperCase();
        if (!text) return ['', ''];
        var best = null;
        for (var i = 0; i < commands.length; i++) {
            var c = commands[i];
            if (c.name === text) return [text, ''];
            if (
                c.arg_pattern &&
                text.indexOf(c.name) === 0 &&
                (!best || c.name.length > best.length)
            )
                best = c.name;
        }
        return best ? [best, text.slice(best.length)] : [text, ''];
    }

    /** The command's description in the editor's language (`description_fr`...), else English. */
    function describeCommand(c) {
        var lang = String((RED.i18n && RED.i18n.lang && RED.i18n.lang()) || 'en-US').split('-')[0];
        return (lang !== 'en' && c['description_' + lang]) || c.description;
    }

    /** Fill a <select> with commands of one kind; keeps a current value that is not listed. */
    function fillCommands(select, commands, kind, emptyLabel, current) {
        select.empty();
        select.append($('<option>').val('').text(emptyLabel));
        commands
            .filter(function (c) {
                return c.kind === kind;
            })
            .forEach(function (c) {
                var label = c.name + ' - ' + describeCommand(c) + (c.dangerous ? ' \u26a0' : '');
                select.append($('<option>').val(c.name).text(label));
            });
        if (
            current &&
            !select.find('option').filter(function () {
                return this.value === current;
            }).length
        ) {
            select.append($('<option>').val(current).text(current));
        }
        select.val(current || '');
    }

    /** Short text lines describing the data keys a query gives (the served keys). */
    function describeFields(cmd) {
        return Object.keys(cmd.keys || {}).map(function (key) {
            var k = cmd.keys[key];
            var extra = k.group || k.type === 'list' ? [k.type] : [];
            extra = extra.concat([k.unit, k.device_class, k.state_class]).filter(Boolean);
            return key + (extra.length ? ' (' + extra.join(', ') + ')' : '');
        });
    }

    window.PI30Editor = {
        catalogue: catalogue,
        followCatalogue: followCatalogue,
        setterValues: setterValues,
        health: health,
        splitCommand: splitCommand,
        fillCommands: fillCommands,
        describeFields: describeFields,
        describeCommand: describeCommand,
        protocolOf: protocolOf,
    };
})();
