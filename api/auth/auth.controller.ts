import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { notFound } from '../common/problem';
import { Allow, CurrentPrincipal, Public } from './access.decorators';
import { ChangePasswordDto, CreateApiKeyDto, LoginDto, RefreshDto, TokenPairDto } from './auth.dto';
import { AuthService } from './auth.service';
import { OidcService } from './oidc.service';
import type { Principal } from './principal';
import { SignInThrottler } from './sign-in.throttler';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(OidcService) private readonly oidc: OidcService,
  ) {}

  @Get('auth/oidc/login')
  @Public()
  @UseGuards(SignInThrottler)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({
    summary: 'Sign in through the institution’s OpenID Connect provider (when configured)',
  })
  @ApiResponse({ status: 302, description: 'to the provider' })
  @ApiResponse({ status: 404, description: 'OpenID Connect is not configured' })
  async oidcLogin(@Res() res: Response): Promise<void> {
    res.redirect(302, await this.oidc.start(Date.now()));
  }

  @Get('auth/oidc/callback')
  @Public()
  @UseGuards(SignInThrottler)
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @ApiOperation({
    summary: 'The provider’s redirect back: the same token pair as password sign-in',
  })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiResponse({ status: 200, type: TokenPairDto })
  @ApiResponse({ status: 400, description: 'unknown or expired state' })
  @ApiResponse({ status: 401, description: 'the provider did not confirm the sign-in' })
  @ApiResponse({ status: 403, description: 'the person is not in the directory' })
  @ApiResponse({ status: 404, description: 'OpenID Connect is not configured' })
  oidcCallback(@Query() query: Record<string, string>): Promise<TokenPairDto> {
    return this.oidc.finish(query, Date.now());
  }

  @Post('auth/login')
  @Public()
  @UseGuards(SignInThrottler)
  @Throttle({ default: { limit: 10, ttl: 60_000 } })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email and password: a 15-minute access token and a refresh token',
  })
  @ApiResponse({ status: 200, type: TokenPairDto })
  @ApiResponse({ status: 401, description: 'email or password is wrong' })
  @ApiResponse({ status: 429, description: 'too many attempts; wait a minute' })
  login(@Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password, Date.now());
  }

  @Post('auth/refresh')
  @Public()
  @UseGuards(SignInThrottler)
  @Throttle({ default: { limit: 60, ttl: 60_000 } })
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair (the old one stops working)' })
  @ApiResponse({ status: 200, type: TokenPairDto })
  @ApiResponse({ status: 401, description: 'unknown, expired or already used refresh token' })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, Date.now());
  }

  @Post('auth/logout')
  @Allow('*')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'End this sign-in (its access and refresh tokens)' })
  async logout(@Headers('authorization') authorization: string | undefined): Promise<void> {
    await this.auth.logout((authorization ?? '').replace(/^Bearer\s+/i, '').trim());
  }

  @Get('me')
  @Allow('*')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who I am: my roles and their scopes' })
  me(@CurrentPrincipal() principal: Principal) {
    return {
      id: principal.personId,
      email: principal.email,
      fullName: principal.fullName,
      language: principal.language,
      roles: principal.grants,
    };
  }

  @Post('me/password')
  @Allow('*')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Change my password (the current one is required)' })
  @ApiResponse({ status: 401, description: 'the current password is wrong' })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ChangePasswordDto,
  ): Promise<void> {
    await this.auth.changePassword(principal.personId, dto.currentPassword, dto.newPassword);
  }

  @Post('me/api-keys')
  @Allow('*')
  @ApiBearerAuth()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key for an integration; the key is shown only once' })
  createKey(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto) {
    return this.auth.createApiKey(principal.personId, dto.name);
  }

  @Get('me/api-keys')
  @Allow('*')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'My API keys (never the keys themselves)' })
  listKeys(@CurrentPrincipal() principal: Principal) {
    return this.auth.listApiKeys(principal.personId);
  }

  @Delete('me/api-keys/:id')
  @Allow('*')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of my API keys' })
  @ApiResponse({ status: 404, description: 'no such active key of mine' })
  async revokeKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    if (!(await this.auth.revokeApiKey(principal.personId, id)))
      throw notFound(`API key ${id} does not exist`);
  }
}
