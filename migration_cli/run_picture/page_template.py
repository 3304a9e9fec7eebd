"""The HTML page around the charts (a Jinja2 template, autoescaped: every value is escaped unless it is
one of the SVG drawings, which drawsvg built with its text escaped).

The Content-Security-Policy forbids every script and every fetch: the file shows the same offline, from
a ticket or a mail, and even text that slipped past escaping could not run.
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Migration {{ title }}: {{ status_label }}</title>
<style>
body { font-family: sans-serif; color: #222; margin: 24px auto; max-width: 1080px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.status { display: inline-block; padding: 3px 10px; border-radius: 12px; color: #fff; font-weight: bold; }
.status.SUCCEEDED { background: #009E73; } .status.ROLLED_BACK { background: #B8860B; }
.status.FAILED { background: #D55E00; } .status.RUNNING { background: #0072B2; }
.facts { color: #444; margin: 6px 0; } .facts span { margin-right: 18px; }
.cause { background: #FFF4E5; border-left: 4px solid #D55E00; padding: 6px 10px; white-space: pre-wrap;
  overflow-wrap: anywhere; font-family: monospace; font-size: 13px; }
svg { max-width: 100%; height: auto; display: block; }
.path { font-size: 14px; color: #333; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.reason { overflow-wrap: anywhere; white-space: pre-wrap; } td.count { text-align: right; }
.note { color: #666; font-size: 13px; }
details summary { cursor: pointer; margin: 8px 0; }
</style>
</head>
<body>
<h1>Migration {{ title }}</h1>
<div><span class="status {{ status }}" id="status">{{ status_label }}</span>
{% if dry_run %}<span class="note"> dry run: nothing was changed</span>{% endif %}</div>
<p class="facts">
{% if started_at %}<span>started {{ started_at }}</span>{% endif %}
{% if duration %}<span>took {{ duration }}</span>{% endif %}
{% if paused %}<span>intake paused {{ paused }}</span>{% endif %}
{% for note in notes %}<span>{{ note }}</span>{% endfor %}
</p>
{% if error %}<div class="cause" id="ending"><b>{{ error }}</b>{% if cause %}: {{ cause }}{% endif %}</div>
{% endif %}

<h2 id="graph">The path through the state machine</h2>
<p class="path" id="path">{{ path_text }}</p>
{{ graph_svg }}
<p class="note">Blue: the phases and transitions this execution took (a badge counts repeated visits);
grey: the rest of the definition; the filled end node is where it ended.
{% if gate_decisions %}Gate answered: <b id="gate-decisions">{{ gate_decisions }}</b>.{% endif %}</p>

<h2 id="timeline">Time line</h2>
{% if timeline_svg %}{{ timeline_svg }}{% else %}<p class="note">No phase was recorded.</p>{% endif %}

<h2 id="fates">Where every record ended</h2>
{% if fates_svg %}{{ fates_svg }}{% else %}<p class="note">No counts are known for this run.</p>{% endif %}

<h2 id="reasons">Why records did not move</h2>
{% if issues %}
{{ reasons_svg }}
<details{% if issues|length <= 50 %} open{% endif %}>
<summary>Every one of them ({{ issues|length }})</summary>
<table id="issues"><thead><tr><th>kind</th><th>application_id</th><th>reason</th></tr></thead><tbody>
{% for issue in issues %}<tr><td>{{ issue.kind }}</td>
<td>{{ issue.application_id if issue.application_id is not none else "(none)" }}</td>
<td class="reason">{{ issue.reason }}</td></tr>
{% endfor %}</tbody></table>
</details>
{% else %}
<p class="note" id="no-issues">Every record moved: nothing was rejected or dead-lettered.</p>
{% endif %}

<h2 id="throughput">Throughput</h2>
{% if throughput_svg %}{{ throughput_svg }}{% else %}<p class="note">No record was migrated.</p>{% endif %}
{% if depths_svg %}{{ depths_svg }}{% else %}<p class="note">Queue depths were not sampled for this
run (only <code>local run</code> samples them while it follows the execution).</p>{% endif %}

<p class="note">Written by onboarding-migration. A self-contained file: no script, font or image is
fetched; it opens offline in any browser.</p>
</body>
</html>
"""
