#!/usr/bin/env bash
# The main job on the embedded default (sql.js files, no services): make a workspace, store and read
# values, list modules and databases. Leaves the workspace in $RAOS_DEMO_DIR (default: a temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
raos() { echo "\$ raos $*" >&2; node bin/run.js "$@"; }
dir="${RAOS_DEMO_DIR:-$(mktemp -d -t raos-demo-XXXXXX)}"
export RAOS_HOME="$dir"
raos init "$dir"
raos memory set greeting "hello, world"
raos memory set player:1 '{"name":"Ada","hp":10,"items":["sword"]}' --namespace game
raos memory set session-token abc123 --scope session:s1 --ttl 10m
raos memory get greeting
raos memory get player:1 --namespace game --json
raos memory list
raos memory list --pattern 'player:*' --namespace game
raos module list
# Users, roles and tokens: a Guest may read but not write; every write and denial is audited.
raos auth user create ada --role User
raos auth user create gus --role Guest
raos auth roles
raos memory get greeting --as gus
raos memory set greeting "hi" --as gus || true
token=$(node bin/run.js auth token create --name demo --user ada --expires 1h --json | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
echo "\$ RAOS_TOKEN=… raos auth whoami" >&2
RAOS_TOKEN="$token" node bin/run.js auth whoami
raos audit list --limit 5
# The Game Engine: a world from a sentence, then a hand-made entity in it.
raos game generate "a dark dungeon with three dragons guarding a treasure chest" --seed 7
raos game entity create "Dark Dungeon" Torch --position 0,2,0 --component '{"type":"light","color":"#ffaa00"}'
raos game entity list "Dark Dungeon" --tree
# The CMS: a post in Markdown with its revisions, search, a sandboxed plugin, the forum, a static site.
printf '# Hello\n\nThe **first** post of the demo, with a [link](https://example.com).\n' > "$dir/hello.md"
raos cms content create --title "Hello, world" --body-file "$dir/hello.md" --tag news
raos cms content update hello-world --body "The **first** post of the demo, edited once."
raos cms content history hello-world
raos cms plugin pack examples/plugins/reading-time --out "$dir/reading-time.zip"
raos cms plugin install "$dir/reading-time.zip" --enable
for i in $(seq 1 60); do echo "Paragraph $i of a longer read, ten words in each line."; echo; done > "$dir/long.md"
raos cms content create --title "A longer read" --body-file "$dir/long.md" --publish
raos cms content publish hello-world
raos cms content list
raos cms content search first
raos cms forum category create General
raos cms build
raos cms status
raos db status
raos db check
raos db backup "$dir/backup"
# The same commands through the daemon (a free port; it stops again at the end).
raos daemon start --port 0
trap 'node bin/run.js daemon stop >/dev/null 2>&1 || true' EXIT
raos memory set visits 1
raos memory get greeting
echo "\$ curl …/site/posts/a-longer-read/   # the built site, served by the daemon" >&2
node -e 'fetch(process.argv[1] + "/site/posts/a-longer-read/").then(async (r) => console.log(r.status, (await r.text()).match(/<title>[^<]*<\/title>/)?.[0]))' "$(node bin/run.js daemon status --json | node -pe 'JSON.parse(require("fs").readFileSync(0)).url')"
echo "\$ RAOS_TOKEN=… raos memory set visits 2   # as ada, through the daemon" >&2
RAOS_TOKEN="$token" node bin/run.js memory set visits 2
raos daemon status
raos daemon stop
echo >&2
echo "Workspace left in $dir (RAOS_HOME=$dir raos memory list)" >&2
