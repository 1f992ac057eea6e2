import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';
import type { ProctoringAdapter } from '../activities/proctoring/adapter';
import { createProctoringAdapter } from '../activities/proctoring/create-adapter';
import { documentKey } from '../activities/sealed';
import type { Config } from '../config/config';
import type { Policy } from '../sop/policy';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { OidcService } from './auth/oidc.service';
import { SignInThrottler } from './auth/sign-in.throttler';
import { IdempotencyService } from './common/idempotency.service';
import { DevMailController } from './dev/dev-mail.controller';
import { DirectoryController } from './directory/directory.controller';
import { DirectoryService } from './directory/directory.service';
import { ExamsController } from './exams/exams.controller';
import { ExamsService } from './exams/exams.service';
import { SessionsController } from './exams/sessions.controller';
import { SessionsService } from './exams/sessions.service';
import { HealthController } from './health/health.controller';
import { HistoryController } from './history/history.controller';
import { HistoryArchiver } from './history/history.archiver';
import { HistoryService } from './history/history.service';
import { LinksController } from './links/links.controller';
import { AssignmentController } from './paperwork/assignment.controller';
import { AssignmentService } from './paperwork/assignment.service';
import { LinksService } from './links/links.service';
import { QuestionListsController } from './paperwork/question-lists.controller';
import { QuestionListsService } from './paperwork/question-lists.service';
import { stepSubjects } from './paperwork/subjects';
import { AdmissionController } from './paperwork/admission.controller';
import { AdmissionService } from './paperwork/admission.service';
import { CasesController } from './integrity/cases.controller';
import { Form4Controller } from './integrity/form4.controller';
import { Form4Service } from './integrity/form4.service';
import { WorkingGroupController } from './integrity/working-group.controller';
import { WorkingGroupService } from './integrity/working-group.service';
import { CasesService } from './integrity/cases.service';
import { AppealsController } from './grading/appeals.controller';
import { AppealsService } from './grading/appeals.service';
import { GradeSheetController } from './grading/grade-sheet.controller';
import { GradeSheetService } from './grading/grade-sheet.service';
import { GradingController } from './grading/grading.controller';
import { GradingService } from './grading/grading.service';
import { TicketsController } from './paperwork/tickets.controller';
import { TicketsService } from './paperwork/tickets.service';
import { ClausesController } from './plans/clauses.controller';
import { ClausesService } from './plans/clauses.service';
import { PlansController } from './plans/plans.controller';
import { PlansService } from './plans/plans.service';
import { ProctoringController } from './proctoring/proctoring.controller';
import { PROCTORING_ADAPTER, ProctoringService } from './proctoring/proctoring.service';
import { VIOLATION_FLAG_HANDLER, type ViolationFlagHandler } from './proctoring/violation-flag';
import { ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports.service';
import { SopService } from './plans/sop.service';
import { TemporalGateway } from './temporal/temporal.gateway';
import { CONFIG, DATA_SOURCE, POLICY } from './tokens';

export interface AppDeps {
  config: Config;
  db: DataSource;
  temporal: TemporalGateway;
  policy: Policy;
  /** The proctoring system's adapter; PROCTORING_ADAPTER's when not handed in. */
  proctoring?: ProctoringAdapter;
}

@Module({})
export class AppModule {
  /** The external systems arrive built (main.ts), so tests can hand in their own. */
  static forRoot(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        // Limits are set per route (sign-in, tokens); nothing else is throttled by this module.
        ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: 10 }]),
      ],
      controllers: [
        AssignmentController,
        AuditController,
        AuthController,
        DirectoryController,
        ExamsController,
        HistoryController,
        SessionsController,
        LinksController,
        QuestionListsController,
        PlansController,
        ClausesController,
        ReportsController,
        TicketsController,
        AdmissionController,
        GradingController,
        GradeSheetController,
        AppealsController,
        CasesController,
        Form4Controller,
        WorkingGroupController,
        ProctoringController,
        HealthController,
        ...(deps.config.devMailDir !== undefined ? [DevMailController] : []),
      ],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: DATA_SOURCE, useValue: deps.db },
        { provide: POLICY, useValue: deps.policy },
        { provide: TemporalGateway, useValue: deps.temporal },
        { provide: APP_GUARD, useClass: AuthGuard },
        SignInThrottler,
        {
          provide: AuthService,
          useFactory: (db: DataSource) => new AuthService(db),
          inject: [DATA_SOURCE],
        },
        {
          provide: OidcService,
          useFactory: (db: DataSource, auth: AuthService, config: Config) =>
            new OidcService(db, auth, config),
          inject: [DATA_SOURCE, AuthService, CONFIG],
        },
        {
          provide: IdempotencyService,
          useFactory: (db: DataSource) => new IdempotencyService(db),
          inject: [DATA_SOURCE],
        },
        {
          provide: SopService,
          useFactory: (policy: Policy) => new SopService(policy),
          inject: [POLICY],
        },
        {
          provide: DirectoryService,
          useFactory: (db: DataSource) => new DirectoryService(db),
          inject: [DATA_SOURCE],
        },
        {
          provide: ExamsService,
          useFactory: (db: DataSource, temporal: TemporalGateway, sop: SopService) =>
            new ExamsService(db, temporal, sop, stepSubjects(db, sop)),
          inject: [DATA_SOURCE, TemporalGateway, SopService],
        },
        {
          provide: HistoryService,
          useFactory: (
            db: DataSource,
            temporal: TemporalGateway,
            sop: SopService,
            exams: ExamsService,
          ) => new HistoryService(db, temporal, sop, exams),
          inject: [DATA_SOURCE, TemporalGateway, SopService, ExamsService],
        },
        {
          provide: HistoryArchiver,
          useFactory: (history: HistoryService, config: Config) =>
            new HistoryArchiver(history, config.historyArchiveEverySeconds),
          inject: [HistoryService, CONFIG],
        },
        {
          provide: SessionsService,
          useFactory: (
            db: DataSource,
            temporal: TemporalGateway,
            sop: SopService,
            exams: ExamsService,
          ) => new SessionsService(db, temporal, sop, exams),
          inject: [DATA_SOURCE, TemporalGateway, SopService, ExamsService],
        },
        {
          provide: QuestionListsService,
          useFactory: (
            db: DataSource,
            exams: ExamsService,
            sop: SopService,
            temporal: TemporalGateway,
          ) => new QuestionListsService(db, exams, sop, temporal),
          inject: [DATA_SOURCE, ExamsService, SopService, TemporalGateway],
        },
        {
          provide: LinksService,
          useFactory: (
            db: DataSource,
            auth: AuthService,
            exams: ExamsService,
            policy: Policy,
            form4: Form4Service,
          ) => new LinksService(db, auth, exams, policy, form4),
          // §5.14: the Form 4 email's link returns the form through Form4Service.
          inject: [DATA_SOURCE, AuthService, ExamsService, POLICY, Form4Service],
        },
        {
          provide: AuditService,
          useFactory: (db: DataSource) => new AuditService(db),
          inject: [DATA_SOURCE],
        },
        {
          provide: ClausesService,
          useFactory: (policy: Policy) => new ClausesService(policy),
          inject: [POLICY],
        },
        {
          provide: PlansService,
          useFactory: (db: DataSource, sop: SopService) => new PlansService(db, sop),
          inject: [DATA_SOURCE, SopService],
        },
        {
          provide: AssignmentService,
          useFactory: (db: DataSource, exams: ExamsService, policy: Policy, config: Config) =>
            new AssignmentService(db, exams, policy, documentKey(config.documentKey)),
          inject: [DATA_SOURCE, ExamsService, POLICY, CONFIG],
        },
        {
          provide: ReportsService,
          useFactory: (db: DataSource, policy: Policy) => new ReportsService(db, policy),
          inject: [DATA_SOURCE, POLICY],
        },
        {
          provide: TicketsService,
          useFactory: (db: DataSource, exams: ExamsService, policy: Policy, config: Config) =>
            new TicketsService(db, exams, policy, documentKey(config.documentKey)),
          inject: [DATA_SOURCE, ExamsService, POLICY, CONFIG],
        },
        {
          provide: AdmissionService,
          useFactory: (db: DataSource, exams: ExamsService, policy: Policy) =>
            new AdmissionService(db, exams, policy),
          inject: [DATA_SOURCE, ExamsService, POLICY],
        },
        {
          provide: GradingService,
          useFactory: (db: DataSource, exams: ExamsService, policy: Policy) =>
            new GradingService(db, exams, policy),
          inject: [DATA_SOURCE, ExamsService, POLICY],
        },
        {
          provide: GradeSheetService,
          useFactory: (db: DataSource, exams: ExamsService, policy: Policy) =>
            new GradeSheetService(db, exams, policy),
          inject: [DATA_SOURCE, ExamsService, POLICY],
        },
        {
          provide: PROCTORING_ADAPTER,
          useValue: deps.proctoring ?? createProctoringAdapter(deps.config.proctoring),
        },
        // §5.7, §5.14: a proctoring system's flag opens a violation case through this hook; none
        // until the violation cases provide it (api/proctoring/violation-flag.ts).
        // §5.7, §5.14: a proctoring system's flag opens a violation case (issue 9).
        { provide: VIOLATION_FLAG_HANDLER, useExisting: CasesService },
        {
          provide: ProctoringService,
          useFactory: (
            db: DataSource,
            sop: SopService,
            adapter: ProctoringAdapter,
            config: Config,
            handler: ViolationFlagHandler | null,
          ) => new ProctoringService(db, sop, adapter, config.proctoring.webhookSecret, handler),
          inject: [DATA_SOURCE, SopService, PROCTORING_ADAPTER, CONFIG, VIOLATION_FLAG_HANDLER],
        },
        {
          provide: AppealsService,
          useFactory: (
            db: DataSource,
            exams: ExamsService,
            sheets: GradeSheetService,
            policy: Policy,
          ) => new AppealsService(db, exams, sheets, policy),
          inject: [DATA_SOURCE, ExamsService, GradeSheetService, POLICY],
        },
        {
          provide: CasesService,
          useFactory: (
            db: DataSource,
            exams: ExamsService,
            sheets: GradeSheetService,
            policy: Policy,
          ) => new CasesService(db, exams, sheets, policy),
          inject: [DATA_SOURCE, ExamsService, GradeSheetService, POLICY],
        },
        {
          provide: Form4Service,
          useFactory: (db: DataSource, exams: ExamsService, cases: CasesService, policy: Policy) =>
            new Form4Service(db, exams, cases, policy),
          inject: [DATA_SOURCE, ExamsService, CasesService, POLICY],
        },
        {
          provide: WorkingGroupService,
          useFactory: (db: DataSource, exams: ExamsService) => new WorkingGroupService(db, exams),
          inject: [DATA_SOURCE, ExamsService],
        },
      ],
    };
  }
}
