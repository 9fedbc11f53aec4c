import { TextInput, type TextInputProps } from '@mantine/core';

/** The six-digit authenticator code: digits only, large and spaced for easy reading. */
export function CodeInput(
  props: Omit<TextInputProps, 'onChange' | 'value'> & { value: string; onChange: (value: string) => void },
) {
  const { value, onChange, ...rest } = props;
  return (
    <TextInput
      {...rest}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value.replace(/\D/g, '').slice(0, 6))}
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      placeholder="123456"
      size="lg"
      styles={{ input: { letterSpacing: '0.4em', fontVariantNumeric: 'tabular-nums', textAlign: 'center' } }}
    />
  );
}
