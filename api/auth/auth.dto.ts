import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsNotEmpty, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'head.anatomy@example.edu.kz' })
  @IsEmail({ require_tld: false }, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'a long passphrase', format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'the refresh token from the last sign-in or refresh' })
  @IsString()
  @Matches(/^emt_rt_[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a refresh token' })
  refreshToken!: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'AIS grade-sheet sync' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}

export class TokenPairDto {
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'seconds' }) expiresIn!: number;
  @ApiProperty() refreshToken!: string;
  @ApiProperty({ description: 'seconds' }) refreshExpiresIn!: number;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  currentPassword!: string;

  @ApiProperty({ format: 'password', description: 'at least 12 characters' })
  @IsString()
  @MinLength(12, { message: 'newPassword must be at least 12 characters' })
  @MaxLength(1000)
  newPassword!: string;
}
