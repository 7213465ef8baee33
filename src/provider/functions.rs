//! Provider functions: `provider::agent37::usd_to_micros` and `micros_to_usd`.

use crate::sdk::traits::{FunctionError, Parameter, Signature};
use crate::sdk::{Function, Type, Value};

use super::money;

pub struct UsdToMicros;

impl Function for UsdToMicros {
    fn name(&self) -> &'static str {
        "usd_to_micros"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "usd",
                ty: Type::String,
                description: "Dollars as an exact decimal, as a string (`\"0.25\"`) or a number (`5`).",
            }],
            return_type: Type::Number,
            summary: "Converts decimal US dollars to integer micros.",
            description: "Converts an exact decimal amount of US dollars to micros (1 USD = 1,000,000 micros), the unit of every `*_micros` attribute. More than six decimal places is an error rather than a rounding.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let text = args.first().and_then(Value::as_str).ok_or(FunctionError {
            text: "usd must be a string or a number".into(),
            argument: Some(0),
        })?;
        money::usd_to_micros(text)
            .map(Value::number)
            .map_err(|text| FunctionError {
                text,
                argument: Some(0),
            })
    }
}

pub struct MicrosToUsd;

impl Function for MicrosToUsd {
    fn name(&self) -> &'static str {
        "micros_to_usd"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "micros",
                ty: Type::Number,
                description: "A whole number of micros, from -9223372036854775808 to 9223372036854775807.",
            }],
            return_type: Type::String,
            summary: "Formats integer micros as decimal US dollars.",
            description: "Formats micros as a decimal string of dollars with at least two decimals and no trailing zeros beyond them: `1500000` gives `\"1.50\"`, `114` gives `\"0.000114\"`.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        // Terraform ends an argument's error with its own full stop.
        let argument_error = |text: String| FunctionError {
            text,
            argument: Some(0),
        };
        let number = args
            .first()
            .and_then(Value::as_number)
            .ok_or_else(|| argument_error("micros must be a number".into()))?;
        let micros = money::whole_micros(number).map_err(argument_error)?;
        Ok(Value::string(money::micros_to_usd(micros)))
    }
}
