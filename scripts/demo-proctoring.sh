#!/usr/bin/env bash
# One remote exam's proctoring on the running system, by curl (issue 9): run
# `POLICY_FILE=policies/drill.policy.json npm run dev`, then `bash scripts/demo-proctoring.sh`.
# The working group's order and the exam's proctor (§5.10–§5.12), the proctoring system's webhook
# (§5.4, §5.9), Form 4 emailed at E and returned with one "drawn" row (§5.13–§5.15), the case
# confirmed by a commission of four (§5.8), an in-person Form 2 act drawn up on the spot by three
# people (§5.8, Form 2), the acts sent (§5.16), one student disagreeing and
# another refusing (Form 3), the grade annulled, the recordings held while a case is open (§5.7).
# About 3 minutes on the drill policy; the PDFs land in $OUT (default /tmp/emtihan-proctoring).
set -euo pipefail
API=${API:-localhost:3000}
OUT=${OUT:-${TMPDIR:-/tmp}/emtihan-proctoring}
SECRET=${PROCTORING_WEBHOOK_SECRET:-emtihan-embedded-proctoring-webhook-secret}
mkdir -p "$OUT"
j() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const r=(function(){return $1})();console.log(typeof r==='string'?r:JSON.stringify(r))})" ; }
say() { echo; echo "### $*"; }
key() { echo "demo-$RANDOM$RANDOM"; }
post() { curl -s -X POST "$API$2" -H "authorization: Bearer $1" -H 'content-type: application/json' -H "Idempotency-Key: $(key)" -d "$3"; }
put() { curl -s -X PUT "$API$2" -H "authorization: Bearer $1" -H 'content-type: application/json' -H "Idempotency-Key: $(key)" -d "$3"; }
get() { curl -s "$API$2" -H "authorization: Bearer $1"; }
# The proctoring system's signed event (X-Emtihan-Signature: t=<unix>,v1=HMAC-SHA256("<t>.<body>")).
event() {
  local body=$1 t sig
  t=$(date +%s)
  sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')
  curl -s -o /dev/null -w '%{http_code}' -X POST "$API/proctoring/events" -H 'content-type: application/json' \
    -H "X-Emtihan-Signature: t=$t,v1=$sig" -d "$body"
}

ADMIN=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d '{"email":"admin@emtihan.local","password":"emtihan-dev-admin"}' | j 'v.accessToken')
say "directory"
curl -s -X PUT $API/directory/units -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"units":[
 {"id":"general-medicine","kind":"school","parentId":"institution","name":{"kk":"Жалпы медицина мектебі","ru":"Школа общей медицины","en":"School of General Medicine"}},
 {"id":"anatomy","kind":"department","parentId":"general-medicine","name":{"kk":"Қалыпты анатомия кафедрасы","ru":"Кафедра нормальной анатомии","en":"Department of Normal Anatomy"}}]}' | j 'Array.isArray(v) ? v.length + " units" : v'
cat > "$OUT/people.csv" <<CSV
email,full_name,language,role,scope
head@example.edu.kz,Әлия Сәрсенбаева,kk,department_head,anatomy
examiner@example.edu.kz,Examiner One,en,examiner,anatomy
centre@example.edu.kz,Гүлмира Тестова,ru,testing_centre,institution
vr@example.edu.kz,Қайрат Проректоров,kk,vice_rector,institution
group@example.edu.kz,Әсел Жұмабекова,kk,working_group_member,institution
proctor@example.edu.kz,Ғалым Құрманғазиев,kk,proctor,institution
deans@example.edu.kz,Дана Деканатова,kk,deans_office,general-medicine
integrity@example.edu.kz,Ержан Адалов,kk,violation_commission,institution
registrar@example.edu.kz,Рауан Тіркеуов,kk,registrar,institution
s1@example.edu.kz,Айдана Серікқызы,kk,student,anatomy
s2@example.edu.kz,Нұрлан Әбілов,kk,student,anatomy
s3@example.edu.kz,Ольга Ким,ru,student,anatomy
CSV
curl -s -X POST $API/directory/people/import -H "authorization: Bearer $ADMIN" -F file=@"$OUT/people.csv" | j 'v'
PEOPLE=$(get $ADMIN "/directory/people?limit=500")
declare -A T ID
for who in head examiner centre vr group proctor deans integrity s1 s2 s3; do
  ID[$who]=$(echo "$PEOPLE" | j "v.items.find(p => p.email === '$who@example.edu.kz').id")
  curl -s -o /dev/null -X POST $API/directory/people/${ID[$who]}/password -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"password":"a long initial passphrase"}'
  T[$who]=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d "{\"email\":\"$who@example.edu.kz\",\"password\":\"a long initial passphrase\"}" | j 'v.accessToken')
done

TODAY=$(TZ=Asia/Almaty date +%F)
START=$(TZ=Asia/Almaty date -d '+30 sec' +%FT%T%:z)
END=$(TZ=Asia/Almaty date -d '+50 sec' +%FT%T%:z)
EID=remote-$(date +%s)
say "a remote exam $EID, $START to $END"
post ${T[head]} /exams "{\"id\":\"$EID\",\"discipline\":\"Адам анатомиясы ($EID)\",\"department\":\"anatomy\",\"examDate\":\"$TODAY\",\"startsAt\":\"$START\",\"endsAt\":\"$END\",\"credits\":1,\"expectedWorks\":3}" | j 'v.workflowId'
printf 'email,rating,admitted\ns1@example.edu.kz,80,yes\ns2@example.edu.kz,75,yes\ns3@example.edu.kz,90,yes\n' > "$OUT/admission.csv"
curl -s -X POST $API/exams/$EID/admission -H "authorization: Bearer ${T[centre]}" -F file=@"$OUT/admission.csv" | j '"admitted " + v.admitted'

say "§5.10–§5.12: the vice-rector's order and the exam's proctor"
ORDER=$(post ${T[centre]} /working-group/orders "{\"number\":\"ВР-$EID\",\"signedOn\":\"$TODAY\",\"signedBy\":\"${ID[vr]}\",\"scope\":\"institution\",\"members\":[\"${ID[group]}\"]}" | j 'v.id')
put ${T[centre]} /exams/$EID/proctors "{\"orderId\":\"$ORDER\",\"assignments\":[{\"proctorId\":\"${ID[proctor]}\",\"memberId\":\"${ID[group]}\"}]}" | j 'v.assignments.length + " proctor assigned"'

say "§5.4, §5.9: the proctoring system reports each sitting and its recording"
sleep 32
for s in s1 s2 s3; do
  echo "$s: started $(event "{\"id\":\"$EID-$s-start\",\"type\":\"session.started\",\"sentAt\":\"$(date -Is)\",\"examId\":\"$EID\",\"studentId\":\"${ID[$s]}\",\"recording\":{\"externalId\":\"$EID-$s\"}}"),"\
" ready $(event "{\"id\":\"$EID-$s-ready\",\"type\":\"recording.ready\",\"sentAt\":\"$(date -Is)\",\"examId\":\"$EID\",\"studentId\":\"${ID[$s]}\",\"recording\":{\"externalId\":\"$EID-$s\",\"link\":\"https://proctoring.example.kz/r/$EID-$s\"}}")"
done
echo "a replayed event: $(event "{\"id\":\"$EID-s1-start\",\"type\":\"session.started\",\"sentAt\":\"$(date -Is)\",\"examId\":\"$EID\",\"studentId\":\"${ID[s1]}\",\"recording\":{\"externalId\":\"$EID-s1\"}}")"

say "§5.13: at E the proctor gets Form 4 from the member's name (the dev mailbox: /dev/mail)"
for _ in $(seq 1 90); do
  n=$(grep -l "form4/$EID" var/mail/*.eml 2>/dev/null | head -1 || true); [ -n "$n" ] && break; sleep 1; done
node -e '
const { simpleParser } = require("mailparser"); const ExcelJS = require("exceljs");
(async () => { const m = await simpleParser(require("fs").readFileSync(process.argv[1]));
  console.log("from:", m.from.text, "| subject:", m.subject);
  console.log("LINK=" + /\/links\/[A-Za-z0-9_-]{43}/.exec(m.text)[0]);
  const b = new ExcelJS.Workbook(); await b.xlsx.load(m.attachments[0].content); const ws = b.worksheets[0];
  ws.eachRow((r) => console.log("  " + r.values.slice(1).map((x) => (x && x.text) || x).join(" | ")));
  // The proctor fills it: the second student "drawn".
  for (let r = 2; r <= ws.rowCount; r++) ws.getCell("H" + r).value = r === 3 ? (ws.name === "4-нысан" ? "жасалды" : "составлен") : (ws.name === "4-нысан" ? "жасалған жоқ" : "не составлен");
  await b.xlsx.writeFile(process.argv[2]); console.log("DRAWN=" + ws.getCell("B3").text);
})();' "$n" "$OUT/form4-filled.xlsx" | tee "$OUT/form4.txt"
DRAWN=$(grep '^DRAWN=' "$OUT/form4.txt" | cut -d= -f2)
printf '%%PDF-1.4\n%% the proctoring system act\n%%%%EOF\n' > "$OUT/2.pdf"

LINK=$(grep '^LINK=' "$OUT/form4.txt" | cut -d= -f2)
page() { sed -e 's/<[^>]*>/ /g' -e 's/&quot;/"/g' -e 's/&amp;/\&/g' | tr -s ' \n' ' ' | cut -c1-"${1:-200}"; echo; }

say "§5.14: the email's single-use link opens the upload page (no sign-in)"
curl -s -o "$OUT/upload.html" -w '%{http_code} ' $API$LINK; grep -o '<h1>[^<]*</h1>' "$OUT/upload.html" | page
say "§5.14: a return without the drawn row's act is refused on the page (the link is kept); with it, saved"
curl -s -w ' [%{http_code}]' -X POST $API$LINK/form4 -F file=@"$OUT/form4-filled.xlsx" | grep -o '<li>[^<]*</li>\|\[[0-9]*\]' | page 300
curl -s -w ' [%{http_code}]' -X POST $API$LINK/form4 -F file=@"$OUT/form4-filled.xlsx" -F "acts=@$OUT/2.pdf;type=application/pdf" | grep -o '<h1>[^<]*</h1>\|<li>[^<]*</li>\|\[[0-9]*\]' | page 300
echo "the link again: $(curl -s -o /dev/null -w '%{http_code}' -X POST $API$LINK/form4 -F file=@"$OUT/form4-filled.xlsx")"

say "§5.15: the return opens the member's signature step; signing it opens case V-1 for the drawn row"
for _ in $(seq 1 30); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'form4Signature@${ID[proctor]}') || {}).status || ''"); [ -n "$s" ] && break; sleep 1; done
get ${T[head]} /exams/$EID | j "(s => s.stepId.replace('${ID[proctor]}', '<proctor>') + ' ' + s.status + ', due ' + s.dueAt)(v.steps.find(s => s.stepId === 'form4Signature@${ID[proctor]}'))"
SIGNED=$(post ${T[group]} /exams/$EID/form4/${ID[proctor]}/sign '{}')
echo "$SIGNED" | j '({form4: "№ " + v.document.number, cases: v.cases, step: v.signature.status})'
for _ in $(seq 1 30); do n=$( (grep -l "form4-signed/$EID" var/mail/*.eml 2>/dev/null || true) | wc -l); [ "$n" -ge 3 ] && break; sleep 1; done
echo "the signed Form 4 emailed (PDF attached):"
for f in $(grep -l "form4-signed/$EID" var/mail/*.eml); do
  echo "  $(grep -m1 -i '^to:' "$f" | tr -d '\r') ($(grep -m1 -i '^x-emtihan-copy:' "$f" | tr -d '\r' | sed 's/.*: //'))"; done
curl -s -o "$OUT/form4.pdf" -H "authorization: Bearer ${T[integrity]}" "$API/exams/$EID/documents/$(echo "$SIGNED" | j 'v.document.id').pdf"
DRAWN_ID=$(echo "$PEOPLE" | j "v.items.find(p => p.fullName === '$DRAWN').id")
DRAWN_WHO=$(for s in s1 s2 s3; do if [ "${ID[$s]}" = "$DRAWN_ID" ]; then echo $s; fi; done)
OTHER=$(for s in s1 s2 s3; do if [ "$s" != "$DRAWN_WHO" ]; then echo $s; fi; done | head -1)
echo "$OTHER is also caught on the spot (Form 2, in person): case V-2, drawn up by the proctor, the testing centre and the dean's office"
SPOT="{\"studentId\":\"${ID[$OTHER]}\",\"source\":\"form2\",\"violations\":[\"mobile_phone\",\"talking\"],\"time\":\"10:15\""
post ${T[proctor]} /exams/$EID/cases "$SPOT,\"drawnUpBy\":[\"${ID[proctor]}\",\"${ID[centre]}\"]}" | j 'v.status + " " + v.detail'
post ${T[proctor]} /exams/$EID/cases "$SPOT,\"drawnUpBy\":[\"${ID[proctor]}\",\"${ID[centre]}\",\"${ID[deans]}\"]}" \
  | j 'v.caseId + " open, drawn up by " + v.drawnUpBy.map(d => d.name + " (" + d.role + ")").join(", ") + "; holds " + JSON.stringify(v.holds.map(h => h.caseId))'

MEMBERS="[\"${ID[integrity]}\",\"${ID[proctor]}\",\"${ID[centre]}\",\"${ID[deans]}\"]"
for c in V-1 V-2; do
  for _ in $(seq 1 30); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'caseDecision@$c') || {}).status || ''"); [ -n "$s" ] && break; sleep 1; done
  say "§5.8: $c — two people are not the commission; four (proctor, testing centre, dean's office) confirm"
  post ${T[integrity]} /exams/$EID/cases/$c/decision "{\"decision\":\"confirmed\",\"reason\":\"x\",\"members\":[\"${ID[integrity]}\",\"${ID[proctor]}\"],\"student\":{\"year\":2,\"group\":\"ЖМ-21-01\"}}" | j 'v.status + " " + v.detail'
  R=$(post ${T[integrity]} /exams/$EID/cases/$c/decision "{\"decision\":\"confirmed\",\"reason\":\"Емтихан ережесін бұзу расталды\",\"members\":$MEMBERS,\"student\":{\"year\":2,\"group\":\"ЖМ-21-01\"}}")
  echo "$R" | j '"confirmed: act № " + v.act.number + " (sha256 " + v.act.sha256.slice(0, 12) + "…)"'
  curl -s -o "$OUT/act-$c.pdf" -H "authorization: Bearer ${T[integrity]}" "$API/exams/$EID/documents/$(echo "$R" | j 'v.act.documentId').pdf"
  for _ in $(seq 1 30); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'actDelivery@$c') || {}).status || ''"); [ -n "$s" ] && break; sleep 1; done
  post ${T[deans]} /exams/$EID/cases/$c/delivery '{}' | j '"§5.16: act sent by " + v.channels.join(" and ")'
done

say "§5.16: $DRAWN_WHO disagrees (the appeal names the case); $OTHER refuses to sign: Form 3"
for _ in $(seq 1 30); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'violationAcknowledgement@V-2') || {}).status || ''"); [ -n "$s" ] && break; sleep 1; done
post ${T[$DRAWN_WHO]} /exams/$EID/cases/V-1/acknowledgement '{"answer":"disagree","comment":"Мен телефонды қолданған жоқпын"}' | j 'v.answer + (v.appeal ? " → " + v.appeal.route + " with violationCase " + v.appeal.body.violationCase + ", " + v.appeal.opens : "")'
post ${T[$OTHER]} /exams/$EID/cases/V-2/acknowledgement '{"answer":"refuse"}' | j 'v.answer'
say "§5.8: the grades; the head's sheet annuls both results with their acts' numbers"
for _ in $(seq 1 30); do n=$(get ${T[examiner]} /exams/$EID/works | j '(v.items || []).length'); [ "$n" = 3 ] && break; sleep 1; done
post ${T[examiner]} /exams/$EID/grades "$(get ${T[examiner]} /exams/$EID/works | j 'JSON.stringify(v.items.map(w => ({ code: w.code, score: 80 })))')" | j '"graded " + v.graded'
post ${T[examiner]} /exams/$EID/steps/grading/approve '{}' | j '"grading " + v.status'
for _ in $(seq 1 30); do r=$(post ${T[head]} /exams/$EID/grade-sheets '{}'); v=$(echo "$r" | j 'String(v.version || "")'); [ -n "$v" ] && break; sleep 1; done
get ${T[head]} /exams/$EID/grade-sheets/$v | j 'v.rows.map(r => r.fullName + ": " + r.score + " " + r.letter + (r.annulled ? " (annulled, " + r.annulled.caseId + ", " + r.annulled.reason + ")" : ""))'

say "§5.7: V-2 is open (the refusal act is due): the recordings are held past their 90 s"
for _ in $(seq 1 150); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'videoPurge') || {}).status || ''"); [ "$s" = held ] && break; sleep 1; done
echo "videoPurge: $s"

say "§5.16, Form 3: the refusal certified before two witnesses; the case closes, the recordings go"
for _ in $(seq 1 30); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'refusalAct@V-2') || {}).status || ''"); [ -n "$s" ] && break; sleep 1; done
F3=$(post ${T[integrity]} /exams/$EID/cases/V-2/refusal-act '{"certifiedBy":{"name":"Ержан Адалов","position":"комиссия төрағасы"},"witnesses":[{"name":"Ғалым Құрманғазиев","position":"проктор"},{"name":"Дана Деканатова","position":"деканат маманы"}],"student":{"year":2,"group":"ЖМ-21-01"}}')
echo "$F3" | j '"Form 3 № " + v.document.number'
curl -s -o "$OUT/form3.pdf" -H "authorization: Bearer ${T[integrity]}" "$API/exams/$EID/documents/$(echo "$F3" | j 'v.document.id').pdf"

for _ in $(seq 1 60); do s=$(get ${T[head]} /exams/$EID | j "(v.steps.find(s => s.stepId === 'videoPurge') || {}).status || ''"); [ "$s" = done ] && break; sleep 1; done
echo "videoPurge: $s"
get ${T[integrity]} /exams/$EID/cases | j 'v.items.map(c => c.caseId + " " + c.source + " " + c.decision + " " + c.status + ", act № " + c.actNumber + ", answer " + c.acknowledgement)'
echo "PDFs: $OUT/form4.pdf, $OUT/act-V-1.pdf, $OUT/act-V-2.pdf, $OUT/form3.pdf"
