#!/usr/bin/env bash
# A whole session on the dev system, by curl: run `POLICY_FILE=policies/drill.policy.json npm run dev`,
# then `bash scripts/demo-session.sh`. Creates the directory and 13 people (password "a long initial
# passphrase"), opens a session with one exam starting 100 s later and takes it to the purge of
# its recordings (about 4 minutes on the drill policy). Prints a transcript.
set -euo pipefail
API=localhost:3000
j() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const r=(function(){return $1})();console.log(typeof r==='string'?r:JSON.stringify(r))})" ; }
say() { echo; echo "### $*"; }
post() { # token path body
  curl -s -X POST "$API$2" -H "authorization: Bearer $1" -H 'content-type: application/json' -H "Idempotency-Key: $RANDOM$RANDOM" -d "$3"; }
get() { curl -s "$API$2" -H "authorization: Bearer $1"; }

ADMIN=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d '{"email":"admin@emtihan.local","password":"emtihan-dev-admin"}' | j 'v.accessToken')
say "directory"
curl -s -X PUT $API/directory/units -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"units":[
 {"id":"general-medicine","kind":"school","parentId":"institution","name":{"kk":"Жалпы медицина мектебі","ru":"Школа общей медицины","en":"School of General Medicine"}},
 {"id":"anatomy","kind":"department","parentId":"general-medicine","name":{"kk":"Қалыпты анатомия кафедрасы","ru":"Кафедра нормальной анатомии","en":"Department of Normal Anatomy"}}]}' | j 'v.units?.length ?? v'
cat > "${TMPDIR:-/tmp}/emtihan-demo-people.csv" <<CSV
email,full_name,language,role,scope
head@example.edu.kz,Әлия Сәрсенбаева,kk,department_head,anatomy
dean@example.edu.kz,Ерлан Мұхамедиев,ru,dean,general-medicine
resp@example.edu.kz,Responsible Person,en,department_responsible,anatomy
examiner@example.edu.kz,Examiner One,en,examiner,anatomy
committee@example.edu.kz,Committee Chair,en,programme_committee,anatomy
centre@example.edu.kz,Testing Centre,en,testing_centre,institution
registrar@example.edu.kz,Registrar Office,en,registrar,institution
proctor@example.edu.kz,Proctor One,en,proctor,institution
group@example.edu.kz,Working Group,en,working_group_member,institution
integrity@example.edu.kz,Integrity Commission,en,violation_commission,institution
appeals@example.edu.kz,Appeal Commission,en,appeal_commission,institution
student@example.edu.kz,Student One,en,student,anatomy
vr@example.edu.kz,Vice Rector,ru,vice_rector,institution
CSV
curl -s -X POST $API/directory/people/import -H "authorization: Bearer $ADMIN" -F file=@"${TMPDIR:-/tmp}/emtihan-demo-people.csv" | j 'v'
PEOPLE=$(get $ADMIN "/directory/people?limit=500")
declare -A T ID
for who in head dean resp examiner committee centre registrar proctor group integrity appeals student vr; do
  id=$(echo "$PEOPLE" | j "v.items.find(p => p.email === '$who@example.edu.kz').id")
  ID[$who]=$id
  curl -s -o /dev/null -X POST $API/directory/people/$id/password -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"password":"a long initial passphrase"}'
  T[$who]=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d "{\"email\":\"$who@example.edu.kz\",\"password\":\"a long initial passphrase\"}" | j 'v.accessToken')
done
echo "13 people, each signed in"

TODAY=$(TZ=Asia/Almaty date +%F)
START=$(TZ=Asia/Almaty date -d '+100 sec' +%FT%T%:z)
END=$(TZ=Asia/Almaty date -d '+110 sec' +%FT%T%:z)
SID=walk-$(date +%s)
EID=$SID-anatomy
say "the testing centre opens session $SID (S today) with one exam starting at $START"
post ${T[centre]} /sessions "{\"id\":\"$SID\",\"title\":\"Drill session\",\"startDate\":\"$TODAY\",\"scope\":\"institution\",
  \"exams\":[{\"id\":\"$EID\",\"discipline\":\"Human anatomy ($SID)\",\"department\":\"anatomy\",\"examDate\":\"$TODAY\",\"startsAt\":\"$START\",\"endsAt\":\"$END\",\"expectedWorks\":120}]}" \
  | j '({workflowId: v.workflowId, steps: v.steps.map(s => s.stepId + " due " + s.dueAt), exams: v.exams.map(e => e.workflowId)})'

wait_step() { # token exam step
  for _ in $(seq 1 120); do
    s=$(get $1 /exams/$2 | j "(v.steps||[]).find(s => s.stepId === '$3')?.status ?? ''")
    [ -n "$s" ] && return 0; sleep 1; done; echo "timeout waiting for $3"; return 1; }
approve() { # who exam step
  wait_step ${T[head]} $2 "${3/\%23/#}"
  echo "$1 approves $3: $(post ${T[$1]} /exams/$2/steps/$3/approve '{"comment":"done"}' | j 'v.status + (v.late ? " (late)" : "")')"; }
sapprove() { # who step
  echo "$1 approves session step $2: $(post ${T[$1]} /sessions/$SID/steps/$2/approve '{}' | j 'v.status + (v.late ? " (late)" : "")')"; }
event() { # who event case
  echo "$1 records $2 $3: $(post ${T[$1]} /exams/$EID/events "{\"event\":\"$2\",\"caseId\":\"$3\"}" | j '"phase " + v.phase + ", holds " + JSON.stringify(v.holds.map(h => h.caseId + (h.closedAt ? " closed" : " open")))')"; }

sleep 3
say "the head's inbox"
get ${T[head]} /me/tasks | j 'v.items.map(i => `${i.stepId} ${i.status} due ${i.dueAt} (${i.clauses.join(", ")})`)'
say "session steps (S today on the drill: overdue at once, escalated)"
sapprove head commissionComposition@anatomy
sapprove centre scheduleApproval
echo "row 3 before any proctor is assigned: $(post ${T[centre]} /sessions/$SID/steps/proctorsApproval/approve '{}' | j 'v.status + " " + v.detail')"
# Row 3, §5.12: approved on the working group's order and every exam's proctors.
ORDER=$(post ${T[centre]} /working-group/orders "{\"number\":\"ВР-$SID\",\"signedOn\":\"$TODAY\",\"signedBy\":\"${ID[vr]}\",\"scope\":\"institution\",\"members\":[\"${ID[group]}\"]}" | j 'v.id')
curl -s -X PUT "$API/exams/$EID/proctors" -H "authorization: Bearer ${T[centre]}" -H 'content-type: application/json' -H "Idempotency-Key: $RANDOM$RANDOM" \
  -d "{\"orderId\":\"$ORDER\",\"assignments\":[{\"proctorId\":\"${ID[proctor]}\",\"memberId\":\"${ID[group]}\"}]}" | j 'v.assignments.length + " proctor assigned to " + v.examId'
sapprove centre proctorsApproval
sleep 2
sapprove centre proctorInstructions
say "preparation (GP 3 in order; the examiner list is left to run late)"
approve head $EID departmentDiscussion
approve committee $EID programmeCommitteeApproval
approve resp $EID moodleUpload
approve resp $EID ticketUpload%231
approve centre $EID admissionCheck
for _ in $(seq 1 120); do
  s=$(get ${T[head]} /exams/$EID | j "v.steps.find(s => s.stepId === 'examinerList').status"); [ "$s" = overdue ] && break; sleep 1; done
echo "examinerList is $s"
approve head $EID examinerList
say "the exam runs; at E the after-exam steps open"
wait_step ${T[head]} $EID grading
event proctor violationFound V-1
approve group $EID violationHandover
event integrity violationActSent V-1
# The student lets the 10 s acknowledgement window pass: the Form 3 refusal act falls due (§5.16).
approve integrity $EID refusalAct@V-1
sleep 2
echo "violationAcknowledgement@V-1: $(get ${T[head]} /exams/$EID | j "v.steps.find(s => s.stepId === 'violationAcknowledgement@V-1').status")"

approve proctor $EID proctorReview
approve examiner $EID grading
approve head $EID gradeSheet
approve registrar $EID gradeSheetExport
say "results published: the appeal window"
wait_step ${T[head]} $EID appealFiling
event student appealFiled A-1
approve appeals $EID appealDecision@A-1
say "retention (drill: E + 90 s): the open case V-1 holds the purge"
for _ in $(seq 1 200); do
  s=$(get ${T[head]} /exams/$EID | j "v.steps.find(s => s.stepId === 'videoPurge')?.status ?? ''"); [ "$s" = held ] && break; sleep 1; done
echo "videoPurge is $s"
event integrity caseClosed V-1
for _ in $(seq 1 60); do
  s=$(get ${T[head]} /exams/$EID | j "v.steps.find(s => s.stepId === 'videoPurge').status"); [ "$s" = done ] && break; sleep 1; done
echo "videoPurge is $s"
sleep 2
say "the session and the exam"
get ${T[centre]} /sessions/$SID | j '({completed: v.completed, steps: v.steps.map(s => s.stepId + " " + s.status), summary: v.summary, exams: v.exams.map(e => e.id + " " + e.phase + " " + e.workflow)})'
get ${T[head]} /exams/$EID | j 'v.steps.map(s => `${s.stepId.padEnd(30)} ${s.status.padEnd(9)} due ${s.dueAt}`)'
say "the emails: http://127.0.0.1:3000/dev/mail (opened, reminders, overdue, escalations, decisions)"
