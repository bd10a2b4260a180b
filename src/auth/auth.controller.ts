import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ApiBadRequest } from '../http/api-responses';
import { CurrentUser, Public } from './auth.decorators';
import { AuthService } from './auth.service';
import { AuthResponse, LoginDto, RegisterDto, UserView } from './dto/auth.dto';
import { toPublicUser, type PublicUser, type User } from './user.schema';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create an account (queues a welcome email)' })
  @ApiCreatedResponse({
    type: AuthResponse,
    description: 'Account created; a welcome email is queued',
  })
  @ApiBadRequest()
  @ApiConflictResponse({ description: 'An account with this email already exists' })
  register(@Body() dto: RegisterDto): Promise<AuthResponse> {
    return this.auth.register(dto);
  }

  @Public()
  @Post('login')
  @ApiOperation({ summary: 'Sign in: an access token' })
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  @ApiBadRequest()
  @ApiUnauthorizedResponse({ description: 'Invalid email or password' })
  login(@Body() dto: LoginDto): Promise<AuthResponse> {
    return this.auth.login(dto);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserView })
  @ApiUnauthorizedResponse()
  me(@CurrentUser() user: User): PublicUser {
    return toPublicUser(user);
  }
}
