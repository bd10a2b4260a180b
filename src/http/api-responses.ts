import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** Every error the API returns has this shape. */
export class ErrorBody {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['text should not be empty'],
  })
  message: string | string[];
  @ApiProperty({ example: 'Bad Request' }) error: string;
}

export const ApiBadRequest = () =>
  ApiBadRequestResponse({
    type: ErrorBody,
    description: 'Bad input; the message names each bad field',
  });

/** The answers every signed-in route can give besides its own. */
export const ApiSignedIn = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorBody, description: 'No valid bearer token' }),
    ApiTooManyRequestsResponse({ type: ErrorBody, description: 'Throttled' }),
  );

/** Plus the admin-only answer. */
export const ApiAdmin = () =>
  applyDecorators(
    ApiSignedIn(),
    ApiForbiddenResponse({ type: ErrorBody, description: 'Signed in, but not an admin' }),
  );

export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({ type: ErrorBody, description: `${what} not found (or not yours)` });

export const ApiQueueDown = () =>
  ApiServiceUnavailableResponse({
    type: ErrorBody,
    description: 'Redis or MongoDB is unavailable; nothing was queued',
  });
