#!/usr/bin/env bash
# The auditor's walk through (issue 7), by curl, on the dev system: after `bash scripts/demo-session.sh`
# (or with an exam id and a session id of your own: `bash scripts/demo-audit.sh EXAM SESSION`).
# Adds an auditor (auditor@example.edu.kz, institution-wide), signs in as them, lists the exam's
# timeline in kk, ru and en, downloads the history (JSON, CSV, PDF) and the session's compliance
# report (JSON, XLSX, SVG) into $OUT (default /tmp/emtihan-audit), and checks the audit chain.
set -euo pipefail
API=localhost:3000
OUT=${OUT:-/tmp/emtihan-audit}
mkdir -p "$OUT"
j() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const r=(function(){return $1})();console.log(typeof r==='string'?r:JSON.stringify(r))})" ; }
say() { echo; echo "### $*"; }

ADMIN=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d '{"email":"admin@emtihan.local","password":"emtihan-dev-admin"}' | j 'v.accessToken')
printf 'email,full_name,language,role,scope\nauditor@example.edu.kz,Гүлнар Аудиторова,kk,auditor,institution\n' > "$OUT/auditor.csv"
curl -s -o /dev/null -X POST $API/directory/people/import -H "authorization: Bearer $ADMIN" -F file=@"$OUT/auditor.csv"
AID=$(curl -s "$API/directory/people?limit=500" -H "authorization: Bearer $ADMIN" | j "v.items.find(p => p.email === 'auditor@example.edu.kz').id")
curl -s -o /dev/null -X POST $API/directory/people/$AID/password -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"password":"a long initial passphrase"}'
say "the auditor signs in"
A=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d '{"email":"auditor@example.edu.kz","password":"a long initial passphrase"}' | j 'v.accessToken')
get() { curl -s "$API$1" -H "authorization: Bearer $A" "${@:2}"; }

EID=${1:-$(get "/exams?limit=1" | j 'v.items[0].id')}
SID=${2:-$(get "/sessions" | j '(v.items ?? v)[0]?.id ?? ""')}
echo "exam $EID, session $SID"
for lang in kk ru en; do
  say "the timeline of $EID in $lang (first 12 of its items)"
  get "/exams/$EID/history" -H "Accept-Language: $lang" |
    j "[\`source: \${v.temporal.status}, \${v.items.length} items; \${v.temporal.note}\`, ...v.items.slice(0, 12).map(i => \`\${i.at}  [\${i.source}\${i.seq ? ' #' + i.seq : ''}\${i.eventId ? ' event ' + i.eventId : ''}]  \${i.sentence}\`)].join('\\n')"
done
say "downloads into $OUT"
get "/exams/$EID/history.json" -o "$OUT/history.json"
get "/exams/$EID/history.csv?lang=ru" -o "$OUT/history-ru.csv"
get "/exams/$EID/history.pdf?lang=kk" -o "$OUT/history-kk.pdf"
get "/exams/$EID/history.pdf?lang=ru" -o "$OUT/history-ru.pdf"
if [ -n "$SID" ]; then
  get "/reports/compliance?sessionId=$SID" -o "$OUT/compliance.json"
  get "/reports/compliance.xlsx?sessionId=$SID" -o "$OUT/compliance.xlsx"
  get "/reports/compliance.svg?sessionId=$SID" -H 'Accept-Language: ru' -o "$OUT/compliance-ru.svg"
fi
ls -l "$OUT"
say "the audit chain"
get /audit/verify | j 'v'
